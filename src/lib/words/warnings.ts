/**
 * Warnings in words. The core reports what it saw as a case (`about`, src/lib/core/warnings.ts)
 * with facts (`detail`: keys, counters, epochs); each case has one sentence here saying what
 * happened and who may be at fault. People are named by `nameOf` (the display name the group
 * knows), else by the first characters of their key.
 */
import type { WarningAbout } from '../core/warnings.ts';
import { keyFragment } from './people.ts';

/** What a session warning says, as the core reports it. */
export interface WarningFacts {
	about: WarningAbout;
	detail?: Record<string, unknown>;
}

interface Facts {
	/** The sender of the detail, as `nameOf` names it. */
	who: string;
	/** How many counters `from`…`to` span. */
	count: number;
	detail: Record<string, unknown>;
}

const SENTENCES: Record<WarningAbout, (f: Facts) => string> = {
	'after-end': (f) => `A message from ${f.who} arrived after the conversation ended. It was rejected: the relay may be replaying or holding back messages.`,
	'stale-epoch': (f) =>
		`A message from ${f.who} for key period ${String(f.detail.epoch)} arrived while key period ${String(f.detail.current)} was current. It was rejected: the relay may be replaying or holding back messages.`,
	'before-rekey': (f) => `A message from ${f.who} arrived after a member left and before the keys were changed. It was rejected: the relay may be tampering.`,
	'not-member': (f) => `A message from ${f.who}, who is not a member at this point, was rejected: the relay may be tampering.`,
	listener: () => 'A message from a listener was rejected: listeners cannot post here.',
	muted: () => 'A message from a muted member was rejected: a moderator muted them for now.',
	'slow-mode': () => 'A message came sooner than this group’s slow mode allows, so it is not shown. The server should have held it back; the member who sent it may not know.',
	'bad-slow-refusal': () =>
		'The server held back your message, saying this group is in slow mode, but slow mode does not apply to you here. Your message will keep trying; the server may be misbehaving.',
	'other-group': () => 'A message addressed to another group was delivered here. It was rejected.',
	fork: (f) =>
		`A message from ${f.who || 'a member'} names a version of the group that this device was never shown, so it was not shown. Either the relay is showing members different histories, or ${f.who || 'that member'}'s app sent a wrong version.`,
	'unseen-head': (f) =>
		`${f.who}, an admin of this group, sent a message from a version of the group that this device was never shown. The relay may be hiding a change from you, such as someone's removal: until this clears, what you send could reach someone who is no longer a member.`,
	'no-chain': () => 'A message from someone who is not a member was rejected.',
	gap: (f) => `${f.count === 1 ? 'A message' : `${f.count} messages`} from ${f.who} did not arrive. The relay may have dropped or delayed them.`,
	'tail-gap': (f) => `${f.count === 1 ? 'The last message' : `The last ${f.count} messages`} from ${f.who} before the keys changed did not arrive. The relay may have dropped them.`,
	'bad-erase': (f) => `The relay says a message from ${f.who} was erased by its sender, but ${f.who} never asked for that. The message is missing: the relay may have dropped it.`,
	'erase-delete-missing': (f) => `${f.who} deleted a message for everyone, but the note saying so did not arrive, so it is not shown here. The relay may have dropped that note.`,
	'erased-without-delete': (f) => `${f.who} removed a message from the server without deleting it for everyone, so it cannot be shown here.`,
	'key-stalled': () =>
		"This device's new key for this group has not reached the server after several tries, though messages still arrive. Nothing is lost, and it keeps trying. Until it gets through, someone who later got hold of this device could read a little more of this group's past than usual.",
	late: () => 'A delayed message arrived out of order and was put back in its place.',
	'no-stamp': (f) => `A message from ${f.who} arrived without the relay's stamp, so it cannot be reported. The relay may be withholding it.`,
	'forged-hello': (f) => `A key announcement in the name of ${f.who} failed its check and was ignored.`,
	held: (f) => `Messages from ${f.who} are held: their sender could not be verified yet.`,
	'held-again': () => 'Another message from an unverified sender is held.',
	'held-discarded': (f) => `Messages from ${f.who} were never verified before the keys changed and were discarded.`,
	replay: () => 'A message that was already delivered arrived again. The copy was rejected.',
	'bad-commitment': () => 'A message failed its integrity check and was not shown.',
	'bad-signature': () => 'A message whose signature does not match its sender was not shown.',
	'too-far-ahead': () => 'A message claims to be too far ahead of the others from its sender and was rejected.',
	undecryptable: () => 'A message could not be decrypted or verified and was not shown.',
	'order-backwards': () => 'The relay delivered an entry out of order (its position went backwards). It was ignored.',
	'time-backwards': () => "The relay delivered an entry dated before the one it sent last. It was ignored: the relay may be tampering with this group's clock.",
	'seq-gap': (f) => `${f.count === 1 ? 'An entry' : `${f.count} entries`} of this group did not arrive. The relay may have dropped them.`,
	'clock-skew': () => "A new entry carries a time far from this device's clock. The relay's clock, or this device's, is wrong.",
	frozen: (f) => `This group's history failed verification (${String(f.detail.message)}). It is read-only until this is resolved: the relay may be tampering with it.`,
	// The name the author went by when its update came, which the core passes on. Keys lost here
	// (an older backup) are nobody's doing: one calm line that names nobody.
	'own-key-dropped': () =>
		"A key change you sent reached the group in a copy this device had already set aside after the relay refused it several times, so some messages can't be read here. The relay may be tampering. New keys have been requested, and messages should appear again once they are in place.",
	'unreadable-epoch': (f) =>
		f.detail.lost === true
			? f.detail.restored === true
				? RESTORE_UNREADABLE
				: KEYS_GONE_UNREADABLE
			: `${typeof f.detail.name === 'string' ? f.detail.name : keyFragment(String(f.detail.author))}'s key update could not be opened on this device, so new messages cannot be read here until the keys change again.`
};

/** Said once when a restored backup is older than the keys of some later messages (§4.4, §8). */
export const RESTORE_UNREADABLE = "Some earlier messages can't be read on this device after the restore. Nobody did anything wrong, and new messages can be read as usual once the keys change, which happens by itself.";
/** The same without a restore: the keys some messages need are no longer on this device. */
export const KEYS_GONE_UNREADABLE = "Some earlier messages can't be read on this device, because the keys they need are no longer here. Nobody did anything wrong, and new messages can be read as usual once the keys change, which happens by itself.";

/** The sentence of a session warning. `nameOf` names the key in `detail.sender`. */
export function warningSentence(facts: WarningFacts, nameOf: (key: string) => string = keyFragment): string {
	const detail = facts.detail ?? {};
	const who = typeof detail.sender === 'string' ? nameOf(detail.sender) : '';
	const count = Number(detail.to) - Number(detail.from) + 1;
	return SENTENCES[facts.about]({ who, count, detail });
}

/** Shown when the relay presents another deployment moderator key than the pinned one. */
export const MODERATOR_CHANGED_TEXT =
	"The service's moderator key is not the one this device saw before. Reports to the service are paused until you check the new fingerprint and accept it.";

/**
 * Calm words for warnings the client raises where its own sentence is technical; other kinds keep
 * the sentence they carry. Each says what happened and what, if anything, to do.
 */
const CALM_TEXT: Record<string, string> = {
	clock: "This device's clock and the server's disagree by a lot, so some times shown here may be off. Setting the device's date and time automatically fixes it.",
	'unreadable-epoch': 'Some recent messages in this group could not be opened on this device. New keys have been requested; messages should appear again shortly, and nothing needs doing on your side.',
	'moderator-changed':
		"The service's moderator key is not the one this device saw before. Reports to the service are paused until you compare the new fingerprint (shown when you report) with the one the service publishes."
};

/** The sentence the UI shows for a warning the client recorded. */
export function warningText(warning: { kind: string; text: string }): string {
	return Object.prototype.hasOwnProperty.call(CALM_TEXT, warning.kind) ? CALM_TEXT[warning.kind]! : warning.text;
}
