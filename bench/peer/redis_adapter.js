// oidc-provider's storage in Redis through ioredis, the durable store its documentation
// points to (the shape of its example/adapters/redis.js): every model under a key of its
// own with the model's TTL, single-use models (codes, refresh tokens) as hashes so that
// `consume` marks one field, and per grant a list of the keys issued under it, so that
// revoking a grant (a refresh token replayed) drops all of them.
import Redis from 'ioredis';

const grantable = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest']);
const consumable = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest']);

const grantKey = (id) => `grant:${id}`;
const userCodeKey = (code) => `userCode:${code}`;
const uidKey = (uid) => `uid:${uid}`;

export function redisAdapter(url, keyPrefix) {
  const client = new Redis(url, { keyPrefix, enableAutoPipelining: true });

  return class RedisAdapter {
    constructor(name) {
      this.name = name;
    }

    key(id) {
      return `${this.name}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const multi = client.multi();
      if (consumable.has(this.name)) {
        multi.hset(key, { payload: JSON.stringify(payload) });
      } else {
        multi.set(key, JSON.stringify(payload));
      }
      if (expiresIn) multi.expire(key, expiresIn);
      if (grantable.has(this.name) && payload.grantId) {
        const grant = grantKey(payload.grantId);
        multi.rpush(grant, key);
        // The grant's list lives as long as the longest-lived key in it.
        const ttl = await client.ttl(grant);
        if (expiresIn && expiresIn > ttl) multi.expire(grant, expiresIn);
      }
      if (payload.userCode) {
        multi.set(userCodeKey(payload.userCode), id);
        if (expiresIn) multi.expire(userCodeKey(payload.userCode), expiresIn);
      }
      if (payload.uid) {
        multi.set(uidKey(payload.uid), id);
        if (expiresIn) multi.expire(uidKey(payload.uid), expiresIn);
      }
      await multi.exec();
    }

    async find(id) {
      const key = this.key(id);
      const data = consumable.has(this.name) ? await client.hgetall(key) : await client.get(key);
      if (!data || (typeof data === 'object' && Object.keys(data).length === 0)) return undefined;
      if (typeof data === 'string') return JSON.parse(data);
      const { payload, ...rest } = data;
      return { ...rest, ...JSON.parse(payload) };
    }

    async findByUid(uid) {
      const id = await client.get(uidKey(uid));
      return id ? this.find(id) : undefined;
    }

    async findByUserCode(userCode) {
      const id = await client.get(userCodeKey(userCode));
      return id ? this.find(id) : undefined;
    }

    async destroy(id) {
      await client.del(this.key(id));
    }

    async revokeByGrantId(grantId) {
      const grant = grantKey(grantId);
      const keys = await client.lrange(grant, 0, -1);
      const multi = client.multi();
      keys.forEach((key) => multi.del(key)); // stored without the prefix ioredis adds
      multi.del(grant);
      await multi.exec();
    }

    async consume(id) {
      await client.hset(this.key(id), 'consumed', Math.floor(Date.now() / 1000));
    }
  };
}
