/**
 * The report part of the contract between the headless client and the UI (api.ts, which
 * re-exports these): what a moderator's inbox shows of a report and its shared case (§6.3,
 * §13.6), who will read a report, and what a reporter sees of their own. Plain data, like every
 * view of api.ts.
 */

export interface ReportedMessageView {
	/** `${sender}:${epoch}:${ctr}` of the disclosed content. */
	id?: string;
	/** What was disclosed: a message, an edit of one (its `text` is the new text) or a reaction (`text` is the emoji). */
	kind?: 'text' | 'edit' | 'reaction' | 'profile' | 'other';
	/** For edits and reactions: the id of the message they change. */
	to?: string;
	sender: string;
	senderName: string | null;
	seq: number;
	ts: number;
	text: string | null;
	/** A text's content warning: committed to with the words, so verified with them (§6.3). */
	cw?: string;
	/** The relay confirmed its stamp and the words match the sender's franking commitment (P8). */
	verified: boolean;
	/** Why not verified: 'commitment' (words altered), 'stamp' (stamp not genuine), 'stamp-unchecked', 'content', 'group'. */
	reason?: string;
	/**
	 * The sender's disclosed edits of this message, oldest first, each verified on its own (P8,
	 * review finding 3): the last verified one is what recipients were shown.
	 */
	edits?: ReportedMessageView[];
}

/** Who will read a group report of the chosen messages (§6.3), for the report form. */
export interface ReportReadersView {
	/** The group's moderators and admins the report is sealed to. */
	readers: { key: string; name: string | null }[];
	/** Moderators and admins left out because the report is about them. */
	leftOut: { key: string; name: string | null }[];
}

export interface ReportView {
	seq: number;
	ts: number;
	note: string;
	messages: ReportedMessageView[];
	/** The shared case (§13.6): absent for a report from an older version (it has no shared state). */
	case?: CaseView;
	/**
	 * A report from a sponsor pair (§6.3 "Reports from a pair"): the messages were said in a
	 * one-to-one conversation by `member`, this group's member (`bound`: their own note in this
	 * group ties them to the pair's pseudonym). Not bound: `member` and `memberName` are null,
	 * nobody is named and nothing in it is verified (an unknown person).
	 */
	pair?: { member: string | null; memberName: string | null; bound: boolean; reason?: string };
}

/** A report's shared state as the moderators see it (§13.6). */
export interface CaseView {
	id: string;
	state: 'new' | 'review' | 'resolved';
	/** Who took it or resolved it; `byMe` when that is me. */
	by?: { key: string; name: string | null; me: boolean };
	outcome?: 'none' | 'hidden' | 'warned' | 'muted' | 'removed';
	/** Later resolutions by others at the same moment: shown, never applied. */
	also?: { key: string; name: string | null; outcome: 'none' | 'hidden' | 'warned' | 'muted' | 'removed' }[];
	notes: { key: string; name: string | null; me: boolean; text: string; ts: number }[];
}

/** One of my reports, as I (the reporter) see its progress (§13.6): never the action, never who. */
export interface MyReportView {
	id: string;
	status: 'sent' | 'received' | 'acted' | 'reviewed';
	ts: number;
	messages: string[];
}
