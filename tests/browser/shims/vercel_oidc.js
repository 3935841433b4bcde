// @vercel/oidc ships CommonJS only, which a page cannot import without a bundler. `ai` reaches it
// only through its Vercel gateway provider, which these pages never use (they talk to
// engine.fetch through @ai-sdk/openai-compatible): this stands in for it and refuses any use.
export function getContext() {
  return {};
}

export async function getVercelOidcToken() {
  throw new Error('The Vercel gateway is not available in this page.');
}
