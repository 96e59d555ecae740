/**
 * A fixed deployment moderator for the browser tests: public keys only (Ed25519 and X25519,
 * base64url), derived once from the seeds 7×32 and 9×32 with libsodium. The relay started by
 * playwright.config.ts announces them; the secret halves are not needed by any test.
 */
export const TEST_MODERATOR = {
	sign: '6kpsY-KcUgq-9VB7Ey7F-ZVHdq6-vnuSQh7qaRRG0iw',
	box: '7eI5P-Le_Q_3A3mYQcaZsD_WNKm5xBHtdg33vOXVwmc'
} as const;
