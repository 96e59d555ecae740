/**
 * Every domain-separation label in the protocol (P7). One purpose per label; a label is
 * never reused for a second job. docs/PROTOCOL.md §1.3 lists them with their inputs.
 */
export const LABEL = {
	// signatures
	relayAuth: 'unseen/v1/relay-auth',
	op: 'unseen/v1/op',
	opInvite: 'unseen/v1/op-invite',
	inviteFetch: 'unseen/v1/invite-fetch',
	/** A sender's request to erase its deleted message, kept in the tombstone (§9.8a). */
	erase: 'unseen/v1/erase',
	/** The deployment moderator's ban or unban of a key on the relay (§9.8b). */
	serviceBan: 'unseen/v1/service-ban',
	msgSig: 'unseen/v1/msg-sig',
	// hashes
	opHash: 'unseen/v1/op-hash',
	epochCommit: 'unseen/v1/epoch-commit',
	safetyNumber: 'unseen/v1/safety-number',
	msgLink: 'unseen/v1/msg-link',
	/** Fingerprint of the deployment moderator's keys, shown to users who pin it (§6.3). */
	moderatorFingerprint: 'unseen/v1/moderator-fingerprint',
	/** A sponsorship note's binding of its sender's pair pseudonym to the group (§6.3 "Reports from a pair"). */
	pairBind: 'unseen/v1/pair-bind',
	/** A pair genesis's `settings.met` tag: who may check the pair's stamps (§3.2, §9.7). */
	pairMet: 'unseen/v1/pair-met',
	// key derivation (BLAKE2b keyed)
	identity: 'unseen/v1/identity',
	identitySign: 'unseen/v1/identity-sign',
	identityBox: 'unseen/v1/identity-box',
	epochMeta: 'unseen/v1/epoch-meta',
	epochChain: 'unseen/v1/epoch-chain',
	chainNext: 'unseen/v1/chain-next',
	chainMsg: 'unseen/v1/chain-msg',
	/** KDF of the pairwise hello key from the DH output (§5.1). */
	pairMacKey: 'unseen/v1/pair-mac-key',
	inviteSign: 'unseen/v1/invite-sign',
	inviteEnc: 'unseen/v1/invite-enc',
	storage: 'unseen/v1/storage',
	backup: 'unseen/v1/backup',
	/** KDF of the key that names at-rest records, and of each stored name from it (§8). */
	storageName: 'unseen/v1/storage-name',
	storageSegment: 'unseen/v1/storage-segment',
	/** KDF of a group's page address on this device, so URLs and history hold no group id (§8). */
	routeAlias: 'unseen/v1/route-alias',
	// associated data
	msgAd: 'unseen/v1/msg',
	opBodyAd: 'unseen/v1/op-body',
	inviteBodyAd: 'unseen/v1/invite-body',
	storageAd: 'unseen/v1/storage-record',
	/** AD of the Argon2id-wrapped storage key (§8); records use `storageAd`. */
	keyringAd: 'unseen/v1/keyring',
	backupAd: 'unseen/v1/backup-file',
	reportAd: 'unseen/v1/report',
	/** Prefix of a sealed sponsorship note's plaintext (§11.2). */
	sponsorNote: 'unseen/v1/sponsor-note',
	/** Prefix of a sealed report from a pair to the moderators of the group where the two met (§6.3). */
	pairReport: 'unseen/v1/pair-report',
	/** Prefix of a sealed report-case note to a moderator (§13.6). */
	reportCase: 'unseen/v1/report-case',
	/** Prefix of a sealed feedback to a reporter's one-time key (§13.6). */
	reportFeedback: 'unseen/v1/report-feedback',
	/** AD of a moderator's warning note, the body of a `warn` op (§13.5). */
	warn: 'unseen/v1/warn',
	/** AD of a newcomer's note to the moderators, the body of a `request` op (§13.8). */
	joinRequest: 'unseen/v1/join-request',
	// MACs
	/** MAC of the hello binding `{group, epoch, sender, esk}` (§5.1); the key comes from `pairMacKey`. */
	pairMac: 'unseen/v1/pair-mac',
	// franking
	frank: 'unseen/v1/frank',
	stamp: 'unseen/v1/stamp'
} as const;
