/**
 * Crypto-core benchmarks (issue 3 item 10), run by bench/run.ts or alone:
 *   node bench/crypto.bench.ts
 * Figures: encrypt and decrypt per message (µs), decrypt + verify a 10,000-message history
 * (target ≤ 1 s) both one signature per message (live path) and with linked verification
 * (backlog path, history.ts), rekey of a 50- and a 250-member group (target ≤ 50 ms) and processing a join. Each
 * figure is the median of several runs after a warm-up.
 */
import { SenderChain } from '../src/lib/crypto/chain.ts';
import { sealTo, sealToMany } from '../src/lib/crypto/box-key.ts';
import { deriveEpochKeys, openEpochSecret, wipeEpochKeys } from '../src/lib/crypto/epoch.ts';
import { deriveIdentity, identityMember, type Identity } from '../src/lib/crypto/identity.ts';
import { buildHello, decryptMessage, encryptMessage, messageLink, newEpochSigningKey, openMessage, verifyHello, type Decrypted, type HelloContent } from '../src/lib/crypto/message.ts';
import { verifyLinked } from '../src/lib/crypto/history.ts';
import { sodiumPrimitives } from '../src/lib/crypto/primitives.ts';
import { ready } from '../src/lib/crypto/sodium.ts';
import { fromB64, toB64 } from '../src/lib/core/bytes.ts';
import { buildGenesis, buildInvite, buildJoin, buildRekey } from '../src/lib/protocol/group/build.ts';
import { applyOp } from '../src/lib/protocol/group/state.ts';
import type { GroupState } from '../src/lib/protocol/group/types.ts';
import type { Envelope } from '../src/lib/core/schema.ts';
import { receiveBacklog } from '../src/lib/protocol/session/backlog.ts';
import { nextStep } from '../src/lib/protocol/session/send.ts';
import { world } from '../src/lib/protocol/session/world.fixture.ts';

const HISTORY = 10_000;
const GROUP_SIZE = 50;
const BIG_GROUP = 250;
const T0 = 1_700_000_000_000;

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

function timed(fn: () => void): number {
	const start = performance.now();
	fn();
	return performance.now() - start;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function identity(n: number): Identity {
	return deriveIdentity(new Uint8Array(32).fill(n), new Uint8Array(32));
}

/** A sender's epoch: hello at counter 0, then `count - 1` texts; returns envelopes and the chain seed. */
function sendHistory(count: number, group: string, sender: Identity, members: { sign: string; box: string }[]) {
	const seed = new Uint8Array(32).fill(0x42);
	const chain = SenderChain.fromChainKey(seed);
	const esk = newEpochSigningKey();
	const senderB64 = toB64(sender.signPk);
	const envelopes: Envelope[] = [];
	const state = toB64(new Uint8Array(32).fill(1));
	const started = performance.now();
	let prev: Uint8Array | undefined;
	for (let i = 0; i < count; i++) {
		const { ctr, msgKey } = chain.nextSendKey();
		const content = ctr === 0
			? buildHello({ group, epoch: 1, sender: senderB64, senderBoxSk: sender.boxSk, members, eskPk: esk.eskPk, name: 'Wren' })
			: { t: 'text' as const, text: `message ${i}: I made it through another week, thank you all for listening.` };
		const linkTo = ctr === 0 ? undefined : prev;
		const { envelope } = encryptMessage({ group, epoch: 1, sender: senderB64, ctr, state, content, msgKey, eskSk: esk.eskSk, prev: linkTo });
		prev = messageLink(envelope, linkTo);
		envelopes.push(envelope);
	}
	return { envelopes, seed, encryptMs: performance.now() - started };
}

/** Backlog path: decrypt every message, verify the hello, then one linked pass (§5.2 links). */
function readHistoryLinked(envelopes: Envelope[], seed: Uint8Array, group: string, sender: Identity, me: Identity): number {
	const chain = SenderChain.fromChainKey(seed);
	const opened: Decrypted[] = envelopes.map((envelope) => chain.receive(envelope.ctr, T0, (k) => decryptMessage(envelope, k)));
	const hello = opened[0]!;
	const eskPk = verifyHello(hello.content as HelloContent, { group, epoch: 1, sender: toB64(sender.signPk), senderBox: toB64(sender.boxPk), me: toB64(me.signPk), myBoxSk: me.boxSk });
	const verified = verifyLinked(opened, eskPk);
	chain.wipe();
	if (verified.some((ok) => !ok)) throw new Error('bench history failed verification');
	return verified.length;
}

/** Live path: each message opened and its signature verified on its own. */
function readHistory(envelopes: Envelope[], seed: Uint8Array, group: string, sender: Identity, me: Identity): number {
	const chain = SenderChain.fromChainKey(seed);
	let eskPk: Uint8Array | null = null;
	let read = 0;
	for (const envelope of envelopes) {
		const opened = chain.receive(envelope.ctr, T0, (k) => openMessage(envelope, k, eskPk));
		if (opened.content.t === 'hello') {
			eskPk = verifyHello(opened.content as HelloContent, { group, epoch: 1, sender: toB64(sender.signPk), senderBox: toB64(sender.boxPk), me: toB64(me.signPk), myBoxSk: me.boxSk });
		}
		read++;
	}
	chain.wipe();
	return read;
}

/** A group of `people.length` members (the first is the admin), all at epoch 0. */
function groupOf(people: Identity[]): GroupState {
	const [admin, ...others] = people;
	const settings = { retention: 0, rotate: 0, invite: 'admins' as const, listeners: true, listenersMaySpeak: true, pair: false };
	const genesis = buildGenesis(admin!, { settings, others: others.map((p) => identityMember(p, 'member')), content: { name: 'Bench', description: '', profile: { name: 'A' } } }, { at: T0 });
	return applyOp(null, genesis.op, { now: T0, primitives: sodiumPrimitives() });
}

/**
 * The real session path: three members, two of them senders, a 10,000-message log built with
 * `nextStep`; a fresh reader session then takes it in as a backlog (`receiveBacklog`, linked
 * verification) and entry by entry (`receive`, one signature per message). Times are the
 * reader's only: header checks, ratchet, AEAD, franking commitment, signatures, events.
 */
function sessionHistory(count: number) {
	const w = world(['wren', 'ash', 'reader']);
	const [wren, ash, reader] = w.sessions;
	w.sync(reader!);
	for (const s of [wren!, ash!]) w.sync(s);
	for (let i = 0; w.log.length < count + 1; i++) {
		const s = i % 4 === 0 ? ash! : wren!;
		w.put(s, nextStep(s, { t: 'text', text: `message ${i}: I made it through another week, thank you all for listening.` }, w.clock.now));
	}
	const snapshot = reader!.toJSON();
	const read = (batch: boolean) => {
		const session = w.restore(reader!, 2);
		session.data = structuredClone(snapshot);
		const items = w.log.slice(1);
		let shown = 0;
		const ms = timed(() => {
			const events = batch ? receiveBacklog(session, items) : items.flatMap((item) => session.receive(item));
			shown = events.filter((e) => e.type === 'message').length;
		});
		if (shown !== count - 2) throw new Error(`bench session history showed ${shown} messages`);
		return ms;
	};
	return { read };
}

/** A receiving member's work for an epoch op: verify and apply it, open its box, derive every chain. */
function processEpochOp(state: GroupState, op: Parameters<typeof applyOp>[1], me: Identity, now: number): GroupState {
	const next = applyOp(state, op, { now, primitives: sodiumPrimitives() });
	const fields = op as unknown as { epoch: number; keys: { to: string; box: string }[]; commit: string };
	const secret = openEpochSecret(fields, next.group, { sign: toB64(me.signPk), boxPk: me.boxPk, boxSk: me.boxSk });
	wipeEpochKeys(deriveEpochKeys(secret, fromB64(next.group), Object.keys(next.members)));
	return next;
}

export async function run(): Promise<{ crypto: Record<string, number> }> {
	await ready();
	const people = Array.from({ length: GROUP_SIZE + 1 }, (_, i) => identity(i + 1));
	const group = toB64(new Uint8Array(32).fill(0x47));
	const members = people.slice(0, GROUP_SIZE).map((p) => ({ sign: toB64(p.signPk), box: toB64(p.boxPk) }));
	const [alice, bob] = people as [Identity, Identity];

	// Warm-up, then the 10,000-message history: sender side and receiver side.
	readHistory(sendHistory(500, group, alice, members).envelopes, new Uint8Array(32).fill(0x42), group, alice, bob);
	const sent = sendHistory(HISTORY, group, alice, members);
	const historyMs = median([0, 1, 2].map(() => timed(() => readHistory(sent.envelopes, sent.seed, group, alice, bob))));
	const linkedMs = median([0, 1, 2].map(() => timed(() => readHistoryLinked(sent.envelopes, sent.seed, group, alice, bob))));

	// The same 10,000 entries through the real GroupSession receive path.
	sessionHistory(500).read(true);
	const sessionRun = sessionHistory(HISTORY);
	const sessionBacklogMs = median([0, 1, 2].map(() => sessionRun.read(true)));
	const sessionPerEntryMs = median([0, 1, 2].map(() => sessionRun.read(false)));

	// Rekey: the author builds (50 sealed boxes + signature); each member processes it.
	let state = groupOf(people.slice(0, GROUP_SIZE));
	const buildRuns: number[] = [];
	const processRuns: number[] = [];
	for (let i = 0; i < 7; i++) {
		let built!: ReturnType<typeof buildRekey>;
		buildRuns.push(timed(() => (built = buildRekey(state, alice, { at: T0 + i }))));
		built.secret.fill(0);
		let next!: GroupState;
		processRuns.push(timed(() => (next = processEpochOp(state, built.op, bob, T0 + i))));
		state = next;
	}

	// The same for a 250-member group (issue 15 item 5): 250 sealed boxes to build, 250 chains to derive.
	const big = Array.from({ length: BIG_GROUP }, (_, i) => (i < people.length ? people[i]! : identity(i + 1)));
	let bigState = groupOf(big);
	const bigBuildRuns: number[] = [];
	const bigProcessRuns: number[] = [];
	for (let i = 0; i < 7; i++) {
		let built!: ReturnType<typeof buildRekey>;
		bigBuildRuns.push(timed(() => (built = buildRekey(bigState, alice, { at: T0 + i }))));
		built.secret.fill(0);
		let next!: GroupState;
		bigProcessRuns.push(timed(() => (next = processEpochOp(bigState, built.op, bob, T0 + i))));
		bigState = next;
	}

	// The sealing alone, in the same run: one crypto_box_seal per member (before issue 15) against
	// sealToMany (one random seed for every ephemeral key, PROTOCOL §4.2).
	const secret250 = new Uint8Array(32).fill(0x5e);
	const boxKeys = big.map((p) => p.boxPk);
	const names = big.map((p) => toB64(p.signPk));
	const sealEachRuns: number[] = [];
	const sealManyRuns: number[] = [];
	for (let i = 0; i < 7; i++) {
		sealEachRuns.push(timed(() => boxKeys.forEach((pk, k) => sealTo(secret250, pk, names[k]!))));
		sealManyRuns.push(timed(() => sealToMany(secret250, boxKeys, names)));
	}

	// Join: the newcomer builds the join (51 boxes, two signatures); a member processes it.
	const inviteSecret = new Uint8Array(32).fill(0x1f);
	state = applyOp(state, buildInvite(state, alice, { secret: inviteSecret, expires: T0 + 3_600_000, maxUses: 10, role: 'member', content: { name: 'Bench', description: '', inviter: { name: 'A' } } }, { at: T0 }), { now: T0 + 10, primitives: sodiumPrimitives() });
	const joiner = people[GROUP_SIZE]!;
	const joinBuildRuns: number[] = [];
	const joinProcessRuns: number[] = [];
	for (let i = 0; i < 5; i++) {
		let built!: ReturnType<typeof buildJoin>;
		joinBuildRuns.push(timed(() => (built = buildJoin(state, joiner, inviteSecret, { profile: { name: 'New' } }, { at: T0 + 20 }))));
		built.secret.fill(0);
		joinProcessRuns.push(timed(() => processEpochOp(state, built.op, bob, T0 + 20)));
	}

	return {
		crypto: {
			encryptPerMessageUs: round((sent.encryptMs / HISTORY) * 1000),
			decryptVerifyPerMessageUs: round((historyMs / HISTORY) * 1000),
			history10kDecryptVerifyMs: round(historyMs),
			history10kDecryptVerifyLinkedMs: round(linkedMs),
			session10kBacklogMs: round(sessionBacklogMs),
			session10kPerEntryMs: round(sessionPerEntryMs),
			rekey50BuildMs: round(median(buildRuns), 2),
			rekey50ProcessMs: round(median(processRuns), 2),
			rekey250BuildMs: round(median(bigBuildRuns), 2),
			rekey250ProcessMs: round(median(bigProcessRuns), 2),
			rekey250SealEachMs: round(median(sealEachRuns), 2),
			rekey250SealManyMs: round(median(sealManyRuns), 2),
			join50BuildMs: round(median(joinBuildRuns), 2),
			join50ProcessMs: round(median(joinProcessRuns), 2)
		}
	};
}

if (import.meta.main) {
	console.log(JSON.stringify(await run(), null, 2));
}
