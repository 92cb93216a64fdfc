import type { ComponentChildren } from 'preact';

/** A labelled `<select>` over `options`, handing back the chosen option itself, typed, not its text. */
export function SelectField<T extends string | number>({
  label,
  name,
  value,
  options,
  onChange,
}: {
  label: ComponentChildren;
  name: string;
  value: T;
  options: readonly T[];
  onChange: (value: T) => void;
}) {
  return (
    <label>
      {label}
      <select
        name={name}
        value={value}
        onChange={(event) => {
          const option = options[event.currentTarget.selectedIndex];
          if (option !== undefined) onChange(option);
        }}
      >
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}
