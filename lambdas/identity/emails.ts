/** The form an email is stored and looked up in: trimmed and lower-cased, so case never splits an account. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
