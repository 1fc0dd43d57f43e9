/**
 * Loads oidc-provider while muting the one warning it prints at import time on
 * Node 20: "Unsupported runtime. Use Node.js v22.x LTS". oidc-provider 9 only
 * *tests* against Node 22+, but runs on Node 20 (this project's floor), so the
 * warning is noise for the demo. Every other oidc-provider warning still
 * reaches the console.
 */
const RUNTIME_WARNING = 'oidc-provider WARNING: Unsupported runtime';

const originalWarn = console.warn;
console.warn = (...args) => {
  const first = typeof args[0] === 'string' ? args[0] : '';
  // When stderr is a TTY the message is wrapped in ANSI colour codes.
  if (first.includes(RUNTIME_WARNING)) return;
  originalWarn.apply(console, args);
};

let mod;
try {
  mod = await import('oidc-provider');
} finally {
  console.warn = originalWarn;
}

export const Provider = mod.default;
export const errors = mod.errors;
