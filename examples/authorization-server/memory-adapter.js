/**
 * A minimal in-memory storage adapter for oidc-provider. It replaces the
 * library's built-in development adapter for one reason: the state lives in a
 * Map we own, so it survives re-creating the Provider during a key rotation.
 * Client_credentials tokens in this example are JWTs and are not stored at
 * all; this holds grants, sessions and interactions if anyone uses them.
 */
export function createMemoryAdapterFactory() {
  const store = new Map();

  return class MemoryAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
      store.set(this.key(id), { payload, expiresAt });
      if (payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        const ids = store.get(grantKey)?.payload ?? [];
        ids.push(this.key(id));
        store.set(grantKey, { payload: ids, expiresAt });
      }
      if (payload.userCode) store.set(`userCode:${payload.userCode}`, { payload: id, expiresAt });
      if (payload.uid) store.set(`uid:${payload.uid}`, { payload: id, expiresAt });
    }

    #get(key) {
      const entry = store.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        store.delete(key);
        return undefined;
      }
      return entry.payload;
    }

    async find(id) {
      return this.#get(this.key(id));
    }

    async findByUserCode(userCode) {
      const id = this.#get(`userCode:${userCode}`);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUid(uid) {
      const id = this.#get(`uid:${uid}`);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id) {
      const payload = this.#get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id) {
      store.delete(this.key(id));
    }

    async revokeByGrantId(grantId) {
      const ids = this.#get(`grant:${grantId}`) ?? [];
      for (const key of ids) store.delete(key);
      store.delete(`grant:${grantId}`);
    }
  };
}
