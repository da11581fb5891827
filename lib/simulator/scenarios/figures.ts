/** How the shipped claims print their figures. */

export function ms(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'never' : '-';
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

export function percent(rate: number, digits = 2): string {
  return `${(rate * 100).toFixed(digits)} %`;
}

export function times(ratio: number): string {
  return `${ratio.toFixed(1)}×`;
}
