/**
 * The one kind of failure the moderator tool reports: a sentence the operator can act on,
 * printed on one line with exit code 1. Never a stack trace: the tool handles secret keys and
 * reports, and an operator pasting its output somewhere should not leak internals.
 */
export class CliError extends Error {
	readonly code = 'MODERATOR_CLI';
	constructor(message: string) {
		super(message);
		this.name = 'CliError';
	}
}
