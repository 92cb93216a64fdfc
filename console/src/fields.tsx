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

/** A checkbox with its label after it. */
export function Checkbox({
  name,
  checked,
  onChange,
  children,
}: {
  name: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  children: ComponentChildren;
}) {
  return (
    <label class="checkbox">
      <input
        type="checkbox"
        name={name}
        checked={checked}
        onChange={(event) => onChange(event.currentTarget.checked)}
      />
      {children}
    </label>
  );
}
