/** kebab/snake-case catalogue names to PascalCase construct ids: `s3-sensor` → `S3Sensor`. */
export function pascal(value: string): string {
  return value.replace(/(^|[-_])([a-z0-9])/g, (_match, _sep: string, c: string) => c.toUpperCase());
}
