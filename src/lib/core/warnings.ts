/**
 * What a session warning is about (docs/PROTOCOL.md §5.4). The core speaks in these cases and in
 * the facts of its `detail` (keys, counters, epochs); the sentence a person reads is built from
 * them in src/lib/words/warnings.ts. A case is finer than the warning's stable code: one code
 * (PROTOCOL_STALE_EPOCH, PROTOCOL_UNVERIFIED_SENDER…) covers several cases, told apart in words.
 */
export type WarningAbout =
	/** A message arrived after the group ended (detail: sender). */
	| 'after-end'
	/** A message for another epoch than the current one (detail: sender, epoch, current). */
	| 'stale-epoch'
	/** A message between a leave and the rekey it calls for (detail: sender). */
	| 'before-rekey'
	/** A message from a key that is not a member at its place (detail: sender). */
	| 'not-member'
	/** A message from a listener. */
	| 'listener'
	/** A message from a member a moderator muted, sent during the mute (§13.3). */
	| 'muted'
	/** A message sooner than the group's slow mode allows, let through by the relay (§13.7; detail: sender). */
	| 'slow-mode'
	/** The relay refused my message with slow mode, which is off here or spares me (§13.7; detail: retry). */
	| 'bad-slow-refusal'
	/** A message addressed to another group. */
	| 'other-group'
	/** A message from a group state this device never saw (detail: state). */
	| 'fork'
	/**
	 * An admin's message names a group state this device never saw, checked before its epoch: a
	 * change (a removal, say) was withheld from this device (detail: sender, state, epoch).
	 */
	| 'unseen-head'
	/** A message from a sender with no chain in its epoch. */
	| 'no-chain'
	/** Counters of a sender skipped (detail: sender, from, to). */
	| 'gap'
	/** The end of a sender's previous epoch never arrived (detail: sender, from, to). */
	| 'tail-gap'
	/** The relay put a tombstone in place of a message its sender never erased (detail: sender, epoch, ctr, seq). */
	| 'bad-erase'
	/** A sender erased a message from the relay without deleting it for everyone (detail: sender, from, to). */
	| 'erased-without-delete'
	/** A valid tombstone whose sender's `delete` (at `by`) never arrived: the relay dropped it (detail: sender, from, to). */
	| 'erase-delete-missing'
	/** My own epoch op was appended with a receive key this device no longer holds, outside a restore (detail: epoch). */
	| 'own-key-dropped'
	/** My new receive key has not reached the relay after several attempts (detail: attempts, online). */
	| 'key-stalled'
	/** A delayed message put back in its place. */
	| 'late'
	/** A message without its relay stamp (detail: sender). */
	| 'no-stamp'
	/** A hello whose pairwise check failed (detail: sender). */
	| 'forged-hello'
	/** The first message held for its sender's hello (detail: sender). */
	| 'held'
	/** A further message held for a hello. */
	| 'held-again'
	/** Held messages discarded when their epoch ended (detail: sender). */
	| 'held-discarded'
	| 'replay'
	| 'bad-commitment'
	| 'bad-signature'
	| 'too-far-ahead'
	/** Any other failure to open or verify a message. */
	| 'undecryptable'
	/** A relay entry below the cursor. */
	| 'order-backwards'
	/** A relay entry dated before the last one. */
	| 'time-backwards'
	/** Live entries skipped (detail: from, to). */
	| 'seq-gap'
	/** A live entry far from this device's clock. */
	| 'clock-skew'
	/** The group log failed verification and the group is frozen (detail: message). */
	| 'frozen'
	/** An epoch's key update did not open here (detail: author, epoch, name when known). */
	| 'unreadable-epoch';
