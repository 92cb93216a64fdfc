import type { Place } from './folder-place';

/** Whose folder this is, in words. */
function ownerLabel(place: Place, own: boolean): string {
  if (place.group !== undefined) return `team folder of ${place.group}`;
  if (place.grantee !== undefined) return `your shares with ${place.grantee}`;
  return own ? 'your folder' : `${place.ownerName ?? place.owner}'s folder`;
}

/** The breadcrumbs: the level's root, then one button per folder down to the one shown. */
export function FolderPath({
  place,
  own,
  onGo,
}: {
  place: Place;
  own: boolean;
  onGo: (place: Place) => void;
}) {
  const segments = place.prefix.split('/').filter(Boolean);
  return (
    <nav aria-label="Folder path" class="breadcrumbs">
      <ol>
        <li>
          <button type="button" onClick={() => onGo({ ...place, prefix: '' })}>
            {place.level} ({ownerLabel(place, own)})
          </button>
        </li>
        {segments.map((segment, index) => {
          const path = segments.slice(0, index + 1).join('/');
          return (
            <li key={path}>
              <button
                type="button"
                aria-current={index === segments.length - 1 ? 'location' : undefined}
                onClick={() => onGo({ ...place, prefix: `${path}/` })}
              >
                {segment}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
