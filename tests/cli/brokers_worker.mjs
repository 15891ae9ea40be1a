// A consumer written the way a discord.js user writes one with @discordjs/brokers, for
// test_brokers.py. test_brokers.py copies it into the npm directory where it installed the
// packages, so that the bare imports below resolve as in a user's project.
//
//   node brokers_worker.mjs REDIS_URL GROUP COUNT TIMEOUT_MS [msgpack|json]
//
// Prints "ready" once subscribed, then one JSON line per MESSAGE_CREATE with the fields it read,
// acks each, and exits 0 after COUNT events (2 on timeout, 1 on an error).
//
// The API is @discordjs/brokers 1.x: new PubSubRedisBroker(redis, { group, ... }) and
// subscribe(events). 0.x took new PubSubRedisBroker({ redisClient }) and
// subscribe(group, events); 1.0.0's README still shows the old form, which throws in 1.x.
import { PubSubRedisBroker, version } from '@discordjs/brokers';
import { Redis } from 'ioredis';

const [url, group, countArg, timeoutArg, format = 'msgpack'] = process.argv.slice(2);
const count = Number(countArg);
const timeoutMs = Number(timeoutArg);

if (!version.startsWith('1.')) {
	// Another major version may have changed the constructor or the stream layout again.
	console.error(`brokers_worker: written for @discordjs/brokers 1.x, found ${version}`);
	process.exit(1);
}

const options = { group, blockTimeout: 200 };
if (format === 'json') {
	// The broker decodes MessagePack unless told otherwise; a JSON stream needs its own decode.
	options.decode = (buf) => JSON.parse(buf.toString('utf8'));
}
const broker = new PubSubRedisBroker(new Redis(url), options);

// The package emits 'error' for a payload its decode throws on (and then stops reading).
broker.on('error', (error) => {
	console.error(`brokers_worker: broker error: ${error?.stack ?? error}`);
	process.exit(1);
});

// Numbers a snowflake would have become had it been written as a MessagePack integer: the
// default decode turns a 64-bit integer into a double and rounds it without a word.
function unsafeNumbers(value, path, out) {
	if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) out.push(path);
	else if (typeof value === 'bigint') out.push(path);
	else if (Array.isArray(value)) value.forEach((v, i) => unsafeNumbers(v, `${path}[${i}]`, out));
	else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
		for (const [k, v] of Object.entries(value)) unsafeNumbers(v, `${path}.${k}`, out);
	}
	return out;
}

// taken counts the events claimed before the (asynchronous) ack, printed those acked and printed:
// handlers run concurrently, and "done" must wait for the slowest ack.
let taken = 0;
let printed = 0;
broker.on('MESSAGE_CREATE', async ({ data, ack }) => {
	// Past COUNT, an event is left unacked and unprinted: the test counts the stream's entries
	// itself, and nothing may follow "done".
	if (taken >= count) return;
	taken += 1;
	const line = {
		id: data.id,
		channel_id: data.channel_id,
		guild_id: data.guild_id ?? null,
		content: data.content,
		author_id: data.author?.id,
		author_username: data.author?.username,
		timestamp: data.timestamp,
		typeof_id: typeof data.id,
		unsafe_numbers: unsafeNumbers(data, 'd', []),
	};
	// Acked before it is printed, so a printed event is one the group no longer holds pending.
	await ack();
	process.stdout.write(`${JSON.stringify(line)}\n`);
	printed += 1;
	// Exits without broker.destroy(): in 1.0.0 its group clean-up script (xcleangroup.lua) does
	// not compile in Redis ("'then' expected near '!'"), and the test checks the group after us.
	if (printed === count) {
		process.stdout.write('done\n', () => process.exit(0));
	}
});

setTimeout(() => {
	console.error(`brokers_worker: timed out after ${timeoutMs} ms with ${printed} of ${count} events`);
	process.exit(2);
}, timeoutMs);

await broker.subscribe(['MESSAGE_CREATE']);
process.stdout.write('ready\n');
