// The control of test_brokers.py: writes stream entries in the layout dgw connect --publish
// uses, from Node, without dgw. If the worker reads these but not dgw's, the fault is in the
// bytes dgw writes, not in the worker or in the test's comparison.
//
//   node brokers_publish.mjs REDIS_URL STREAM < d.jsonl
//
// Each stdin line is one event's `d` as JSON. It is encoded with @msgpack/msgpack's encode
// (what the package's default encode calls) and written with the very command dgw sends:
// XADD STREAM MAXLEN ~ 100000 * data PAYLOAD.
import { readFileSync } from 'node:fs';
import { encode } from '@msgpack/msgpack';
import { Redis } from 'ioredis';

const [url, stream] = process.argv.slice(2);
const redis = new Redis(url);
const lines = readFileSync(0, 'utf8').split('\n').filter((l) => l.length > 0);
for (const line of lines) {
	const bytes = encode(JSON.parse(line));
	await redis.xadd(stream, 'MAXLEN', '~', '100000', '*', 'data', Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
console.log(`published ${lines.length}`);
redis.disconnect();
