/**
 * The contract between the headless client (src/lib/client) and the UI (src/routes, *.svelte.ts
 * state modules). The UI never touches crypto; it calls these methods and renders these views.
 * Every view is plain data (b64 strings for keys), safe to put in Svelte $state.
 */
import type { Role } from '../core/schema.ts';
import type { ProgressItem } from '../core/progress.ts';
import type { WarningKind as SessionWarningKind } from '../protocol/session/types.ts';
import type { CaseView, MyReportView, ReportReadersView, ReportView } from './api-reports.ts';

export type { CaseView, MyReportView, ReportedMessageView, ReportReadersView, ReportView } from './api-reports.ts';

export type ConnectionState = 'connecting' | 'online' | 'offline';

export interface GroupSummary {
	id: string;
	name: string;
	description: string;
	role: Role;
	/** My pseudonym in this group. */
	pseudonym: string;
	pair: boolean;
	ended: boolean;
	/** I was removed: nothing of the group is kept but the removal notice (`ended` is set too). */
	removed: boolean;
	unread: number;
	lastActivity: number;
	memberCount: number;
	settings: { retention: number; listeners: boolean; listenersMaySpeak: boolean; invite: 'admins' | 'members'; slow: number; links: 'any' | 'none'; approve: boolean };
	/**
	 * My own request to join is waiting for a moderator (`pending`), or still waiting on this
	 * device while the relay refuses its subscription (`unknown`, §13.8): the device keeps trying.
	 */
	waiting?: 'pending' | 'unknown';
	/** For moderators and admins: requests to join waiting for an answer (§13.8). */
	joinRequests?: number;
	/**
	 * Slow mode (§13.7): the relay time (ms) until which the composer asks me to wait after my
	 * last post; absent when slow mode is off, spares me, or I have not posted. Compare with the clock.
	 */
	slowUntil?: number;
	/** Link limit (§13.7): I may not post links here (a member or listener in a group that limits them). */
	noLinks?: boolean;
	/**
	 * I joined through an invite and its author has not yet sent anything that
	 * shows they see my join (§7): the relay could be showing me an outdated copy of the group.
	 */
	unconfirmed: boolean;
	/** Set when the group log failed verification: the group is read-only until resolved. */
	frozen?: { code: string; message: string };
	/**
	 * A moderator muted me until this relay time (ms, §13.3): I can read but not post before it.
	 * Kept after it passes (until a moderator lifts it or sets another), so compare with the clock.
	 */
	mutedUntil?: number;
	/** For moderators and admins: open reports (new or in review) this device knows of (§13.6). */
	openReports?: number;
	/** Backlog sync progress while catching up; undefined when live. */
	sync?: { done: number; total: number };
	/** What I may do in this group now, as the group's rules say (protocol/group/may.ts). */
	can: GroupPermissions;
	/** Sponsorship in this group (§11); not set for pairs. */
	sponsorship?: SponsorshipView;
	/** For a pair made from a request (§11.3): who the other person is and where we met. */
	pairWith?: PairView;
	/** Listeners waiting for an answer to their ask to speak (§3.3) that I may let speak; empty for everyone else. */
	askingToSpeak: { sign: string; name: string | null }[];
}

/** Quiet hours: minutes after midnight UTC (§11.1). */
export interface QuietHours {
	from: number;
	to: number;
}

export interface SponsorshipView {
	/** The group offers sponsoring. */
	on: boolean;
	/** I may switch it on or off (an admin). */
	canSwitch: boolean;
	/** I may offer to sponsor here. */
	canOffer: boolean;
	mine: { intro: string; places: number; taken: number; quiet?: QuietHours } | null;
	sponsors: { sign: string; name: string; intro: string; places: number; free: number; quiet?: QuietHours }[];
	/** Requests to me, unanswered and not expired. */
	incoming: { id: string; from: string; name: string; note: string; ts: number; unlinked?: boolean }[];
	/** Requests I accepted whose pair is still being made (waiting to be online). */
	accepting: { id: string; name: string }[];
	/** My requests. */
	outgoing: { id: string; to: string; name: string; note: string; ts: number; state: 'open' | 'withdrawn' | 'declined' | 'accepted' | 'expired' | 'unavailable'; reply?: string; pair?: string; unlinked?: boolean }[];
	/** My mentees from this group. */
	mentees: { pair: string; name: string; running: boolean }[];
}

export interface PairView {
	/** The other person's part. */
	other: 'sponsor' | 'mentee';
	name: string;
	/** The group where we met and its name. */
	met: string;
	metName: string;
	/** The sponsor's quiet hours, as they last said in the group. */
	quiet?: QuietHours;
	/**
	 * Whether a report from this pair can reach the moderators of the group where we met (§6.3
	 * "Reports from a pair"), and why not. Set by the client's summary.
	 */
	metReport?: { ok: true } | { ok: false; why: 'not-from-group' | 'left-group' | 'not-linked' };
}

/** The answers of protocol/group/may.ts for me in one group, for screens to read instead of roles. */
export interface GroupPermissions {
	/** Send messages: not frozen, still a member, not ended, not a listener. */
	post: boolean;
	/** Create invite links that let people join as members. */
	invite: boolean;
	/** Create invite links that let people join as listeners (the group allows listeners). */
	inviteListeners: boolean;
	/** Read the reports sealed to the group's moderators and hide messages. */
	moderate: boolean;
	changeSettings: boolean;
	/** Switch myself from listener to member (the group lets listeners speak). */
	speak: boolean;
	/** Ask a facilitator to let me speak (a listener with no request pending). */
	askToSpeak: boolean;
	leave: boolean;
	/** End this one-to-one pair. */
	endPair: boolean;
}

/** What I may do to one member, from protocol/group/may.ts. */
export interface MemberPermissions {
	remove: boolean;
	/** Mute them, or lift their mute (§13.3). */
	mute: boolean;
	/** Per role: whether I may give this member that role now (false for the role they have). */
	setRole: Record<Role, boolean>;
}

export interface MemberView {
	sign: string;
	/** Display name from the member's encrypted profile; null until one has been received. */
	name: string | null;
	/** Id to pass to `report()` to report this display name (the hello it came from), when reportable. */
	profileId?: string;
	role: Role;
	self: boolean;
	verified: boolean;
	/** I blocked this member on this device: their messages collapse in my chat (§13.1). */
	blocked: boolean;
	/** A member I had verified now has a different key. */
	keyChanged: boolean;
	/**
	 * This listener asked to speak and no one has answered yet (an `ask` op, §3.3). Set only in
	 * an admin's view (an admin answers with `setRole(group, sign, 'member')`) and in the
	 * listener's own entry (`self`), so they can see their request is pending.
	 */
	askedToSpeak: boolean;
	/** A moderator muted them until this relay time (ms, §13.3); compare with the clock. */
	mutedUntil?: number;
	/** Joined through an invite that is still unrevoked: removing them withdraws that link (§3.3). */
	joinedWithLink: boolean;
	can: MemberPermissions;
}

export type MessageStatus = 'sending' | 'sent' | 'failed';

export interface ChatMessage {
	/** `${sender}:${epoch}:${ctr}` for received and sent messages; a local id while sending. */
	id: string;
	group: string;
	sender: string;
	senderName: string | null;
	self: boolean;
	/** `progress`: an item of shared progress (§12), in `progress`; its `text` is empty. */
	kind: 'text' | 'system' | 'progress';
	text: string;
	progress?: ProgressItem;
	cw?: string;
	replyTo?: { id: string; senderName: string | null; text: string };
	reactions: Record<string, string[]>;
	/**
	 * Per emoji, the id of each reaction, in the order of `reactions[emoji]`. Pass one to
	 * `report()` to report that reaction itself (an abusive "emoji" can be up to 32 characters).
	 */
	reactionIds?: Record<string, string[]>;
	edited: boolean;
	/** Ids of the sender's edits of this message, oldest first. A report of the message discloses them too. */
	edits?: string[];
	deleted: boolean;
	hidden: boolean;
	/** Relay time (ms); local time while sending. */
	ts: number;
	seq?: number;
	status: MessageStatus;
	/** Set on messages whose sender could not be verified, or that are flagged by the core. */
	warning?: string;
	/** A system line that is a moderator's private note (§13.5), shown on this device only. */
	note?: 'warn';
	/**
	 * A text with a link its sender may not post under the group's link limit (§13.7): shown
	 * behind a notice, its words kept on this device so it can still be reported.
	 */
	noLinks?: true;
}

/** The session's warnings plus the ones the client itself raises. */
export type WarningKind =
	| SessionWarningKind
	| 'clock'
	| 'unreadable-epoch'
	/** The relay presents a deployment moderator key other than the pinned one (service-wide). */
	| 'moderator-changed';

/** The deployment moderator's keys as pinned on this device (trust on first use, review finding 11). */
export interface ServiceModeratorView {
	/** Fingerprint of the pinned keys (hex groups): compare it with the one the service publishes. */
	fingerprint: string;
	/** The relay now presents other keys: service reports are refused (PROTOCOL_MODERATOR_CHANGED) until accepted. */
	changed: boolean;
	/** Fingerprint of the keys the relay presents now, when `changed`. */
	offered?: string;
}

export interface Warning {
	kind: WarningKind;
	/** Plain-language sentence for the UI. */
	text: string;
	at: number;
	/** Stable code telling cases of one kind apart (e.g. PROTOCOL_SEQ_GAP, PROTOCOL_STALE_EPOCH). */
	code?: string;
}

export interface InviteView {
	key: string;
	link: string;
	expires: number;
	maxUses: number;
	uses: number;
	role: 'member' | 'listener';
	revoked: boolean;
}

export interface InvitePreview {
	group: string;
	name: string;
	description: string;
	inviterName: string | null;
	role: 'member' | 'listener';
	expires: number;
	/** New members of this group wait for a moderator (§13.8): the newcomer asks, with an optional note. */
	approve: boolean;
}

/** A request to join waiting for a moderator (§13.8), as a moderator's device sees it. */
export interface JoinRequestView {
	/** The requester's key in the group. */
	sign: string;
	/** The name they gave (their own choice), or null when their note was not sealed to this device. */
	name: string | null;
	note: string | null;
	role: 'member' | 'listener';
	/** Relay time of the request (ms). */
	at: number;
	/** Which link they came through: its creator's name, and whether it is one of mine. */
	linkBy: string | null;
	linkMine: boolean;
}

export interface CreateGroupOptions {
	name: string;
	description: string;
	pseudonym: string;
	/** Seconds; 0 keeps messages until deleted. */
	retention: number;
	listeners: boolean;
	listenersMaySpeak: boolean;
	invite: 'admins' | 'members';
	/** Seconds between scheduled key rotations (P5); default one week, 0 = never. */
	rotate?: number;
}

export type ClientEvent =
	| { type: 'connection'; state: ConnectionState }
	| { type: 'groups' }
	| { type: 'messages'; group: string }
	| { type: 'members'; group: string }
	| { type: 'warning'; group: string; warning: Warning }
	| { type: 'removed'; group: string }
	/** My request to join ended without my being let in (§13.8); the group is gone from this device. */
	| { type: 'request-ended'; group: string; how: 'declined' | 'withdrawn' | 'link' }
	/** A moderator let me in (§13.8). */
	| { type: 'approved'; group: string }
	/** Not about one group: e.g. the service moderator key changed. */
	| { type: 'service-warning'; warning: Warning }
	/** lock() finished: keys are wiped; drop this client and show the unlock screen. */
	| { type: 'locked' };

export interface UnseenClientApi {
	readonly connection: ConnectionState;
	start(): Promise<void>;
	stop(): Promise<void>;
	/**
	 * "Lock now" (P10): writes every pending change, then wipes the device root, every identity's
	 * secret keys and every session's keys from memory, and closes the connection. Call it BEFORE
	 * locking the store. Afterwards every call rejects with PROTOCOL_LOCKED and the views are
	 * empty; after unlocking, create a new client. Calling it again does nothing.
	 */
	lock(): Promise<void>;
	on(listener: (event: ClientEvent) => void): () => void;

	groups(): GroupSummary[];
	/** One group's summary; null when the group is not on this device or its log is not known yet. */
	summary(group: string): GroupSummary | null;
	members(group: string): MemberView[];
	/**
	 * My safety number with `member` (§2.3), computed when asked (a screen shows one at a time;
	 * a group of hundreds would otherwise compute them all for every member list). Null for
	 * myself, a non-member or an unknown group.
	 */
	safetyNumber(group: string, member: string): { digits: string; emoji: string } | null;
	/**
	 * The group's messages read so far, in relay order: a group opens with its newest page read
	 * from this device's store (§8 "Message index"); `olderMessages` tells whether more are stored.
	 */
	messages(group: string): ChatMessage[];
	/** True while the group has stored messages older than `messages` that are not read yet. */
	olderMessages(group: string): boolean;
	/**
	 * Reads the page of stored messages before the ones read (`all`: every one), then raises a
	 * `messages` event. Resolves when they are in `messages`.
	 */
	readOlder(group: string, all?: boolean): Promise<void>;
	warnings(group: string): Warning[];
	invites(group: string): InviteView[];

	createGroup(options: CreateGroupOptions): Promise<string>;
	createInvite(group: string, options: { expiresInMs: number; maxUses: number; role: 'member' | 'listener' }): Promise<InviteView>;
	revokeInvite(group: string, key: string): Promise<void>;
	previewInvite(link: string): Promise<InvitePreview>;
	/**
	 * Joins through an invite; in a group where new members wait for approval (§13.8) it asks to
	 * join instead, with `note` for the moderators (optional, at most 500 characters), and the
	 * group shows as waiting until a moderator answers.
	 */
	joinWithInvite(link: string, pseudonym: string, note?: string): Promise<string>;
	/** Waiting requests to join, for moderators and admins (§13.8); empty for everyone else. */
	joinRequests(group: string): JoinRequestView[];
	approveRequest(group: string, sign: string): Promise<void>;
	declineRequest(group: string, sign: string): Promise<void>;
	/** The requester withdraws its request (or, when its outcome could not be confirmed, forgets the group). */
	withdrawRequest(group: string): Promise<void>;

	/** One-to-one pairs (§3.3): a code with the public keys of a fresh pseudonym for a pair, to give to the other person. */
	offerPair(): Promise<string>;
	/** Creates a pair with the holder of `code`; returns the pair's id, which they need to accept it. */
	createPair(code: string, pseudonym: string): Promise<string>;
	/** Accepts the pair `group` that was created from my `code`. */
	acceptPair(group: string, code: string, pseudonym: string): Promise<string>;
	/** Either side ends a pair; afterwards neither can send, and its keys are wiped. */
	endPair(group: string): Promise<void>;

	/** Sponsorship (§11). */
	offerSponsor(group: string, offer: { intro: string; places: number; quiet?: QuietHours }): Promise<void>;
	withdrawSponsor(group: string): Promise<void>;
	setSponsoring(group: string, on: boolean): Promise<void>;
	askSponsor(group: string, sponsor: string, note: string): Promise<string>;
	withdrawAsk(group: string, id: string): Promise<void>;
	acceptAsk(group: string, id: string): Promise<void>;
	/** My request was accepted without a link to the group (§6.3): start the conversation anyway. */
	joinUnlinked(group: string, id: string): Promise<void>;
	declineAsk(group: string, id: string, note: string): Promise<void>;
	/** Ends a pair made from a request, after an optional kind word. */
	endPairKindly(pair: string, word: string): Promise<void>;
	/** Ends the pair and refuses later requests from that person in the group where we met. */
	blockPartner(pair: string): Promise<void>;

	send(group: string, message: { text: string; cw?: string; replyTo?: string }): Promise<void>;
	/** Sends one item of progress (§12) as an ordinary encrypted message; it shows once the relay has it. */
	shareProgress(group: string, item: ProgressItem): Promise<void>;
	retry(group: string, messageId: string): Promise<void>;
	react(group: string, messageId: string, emoji: string): Promise<void>;
	edit(group: string, messageId: string, text: string): Promise<void>;
	deleteMessage(group: string, messageId: string): Promise<void>;
	markRead(group: string): void;

	setRole(group: string, member: string, role: Role): Promise<void>;
	remove(group: string, member: string): Promise<void>;
	leave(group: string): Promise<void>;
	askToSpeak(group: string): Promise<void>;
	markVerified(group: string, member: string, verified: boolean): Promise<void>;
	/** Blocks (or unblocks) a member on this device only: nothing is sent, nobody is told (§13.1). */
	block(group: string, member: string, blocked: boolean): Promise<void>;

	/** Seals the chosen messages to the group's moderators (and the deployment moderator if `service`). */
	/** From a sponsor pair, `service: false` reports to the moderators of the group where the two met. */
	report(group: string, messageIds: string[], note: string, service: boolean): Promise<void>;
	/**
	 * Who reads a group report of these messages: never a moderator it is about (§6.3). For a
	 * sponsor pair: the moderators of the group where the two met, less the other person.
	 */
	reportReaders(group: string, messageIds: string[]): ReportReadersView;
	/** Moderators and admins: mutes a member for `seconds` of relay time, 0 lifting the mute (a signed `mute` op, §13.3). */
	mute(group: string, member: string, seconds: number): Promise<void>;
	/** Moderators and admins: hides a message for everyone (a signed `hide` op). */
	hide(group: string, messageId: string): Promise<void>;
	/** Moderators and admins: shows a hidden message again for everyone (a signed `unhide` op, §13.4). */
	unhide(group: string, messageId: string): Promise<void>;
	/**
	 * Moderators and admins: a private note to one member (a signed `warn` op sealed to them and
	 * the moderators, §13.5). `text` is 1 to 1,000 characters; see words/warn.ts for the
	 * prepared kinds.
	 */
	warn(group: string, member: string, text: string): Promise<void>;
	/** From the report inbox (§13.6): sends `member` the note, then records the report as resolved with "warned". */
	warnFromReport(group: string, caseId: string, member: string, text: string): Promise<void>;
	/**
	 * Admins: the group's safety settings (§13.7, §13.8), slow mode in seconds (0 = off), the link
	 * limit and (when given) whether new members wait for approval. A signed `settings` op.
	 */
	setSafety(group: string, safety: { slow: number; links: 'any' | 'none'; approve?: boolean }): Promise<void>;
	/** Moderator inbox: reports addressed to me in this group, each message verified. */
	reports(group: string): Promise<ReportView[]>;
	/** Report inbox (§13.6): take a report (in review by me); the reporter hears it was received. */
	takeReport(group: string, id: string): Promise<void>;
	/** Resolve a report with its outcome; refused (PROTOCOL_NOT_ALLOWED) when already resolved. */
	resolveReport(group: string, id: string, outcome: 'none' | 'hidden' | 'warned' | 'muted' | 'removed'): Promise<void>;
	/** A short note on a report, for the other moderators only. */
	noteReport(group: string, id: string, text: string): Promise<void>;
	/** A report's shared state as this device knows it now (§13.6); null when unknown. */
	reportCase(group: string, caseId: string): CaseView | null;
	/** My reports in this group that I have not dismissed, with what the moderators told me. */
	myReports(group: string): MyReportView[];
	/** Hides one of my reports' status from my screen. */
	dismissMyReport(group: string, id: string): Promise<void>;

	/**
	 * Service bans learnt this session (§9.8b): whether the service removed me from this group,
	 * and which members it removed (words: words/service-bans.ts).
	 */
	serviceRemovals(group: string): { me: boolean; others: { sign: string; name: string | null; gone: boolean }[] };
	/** The deployment moderator as pinned on this device, or null if the service has none. */
	serviceModerator(): ServiceModeratorView | null;
	/** Trusts the relay's new moderator keys; `fingerprint` is the `offered` one the user saw. */
	acceptServiceModerator(fingerprint: string): Promise<void>;
}
