/**
 * Provider ids. tally names providers as LiteLLM does (the names most teams'
 * price files and proxies already use) and accepts the common aliases,
 * including OpenTelemetry's `gen_ai.provider.name` / `gen_ai.system` values.
 *
 * An unknown provider is not an error at this layer: it is kept as given,
 * lower-cased and trimmed. Pricing decides what an unknown provider means.
 */

/** Canonical provider ids (LiteLLM's names). */
export const PROVIDERS = [
  'openai',
  'azure',
  'azure_ai',
  'anthropic',
  'gemini',
  'vertex_ai',
  'bedrock',
  'sagemaker',
  'mistral',
  'cohere',
  'openrouter',
  'xai',
  'groq',
  'deepseek',
  'together_ai',
  'fireworks_ai',
  'perplexity',
  'cerebras',
  'sambanova',
  'deepinfra',
  'ai21',
  'nvidia_nim',
  'watsonx',
  'databricks',
  'cloudflare',
  'huggingface',
  'replicate',
  'ollama',
  'vllm',
  'lm_studio',
  'voyage',
  'jina_ai',
  'moonshot',
  'dashscope',
  'zai',
  'minimax',
  'novita',
  'hyperbolic',
  'nebius',
  'lambda_ai',
  'friendliai',
  'featherless_ai',
  'baseten',
  'github',
  'snowflake',
  'oci',
  'litellm_proxy',
] as const;

export type ProviderId = (typeof PROVIDERS)[number];

const KNOWN: ReadonlySet<string> = new Set(PROVIDERS);

/** Alias → canonical id. Keys are lower-case. */
export const PROVIDER_ALIASES: Readonly<Record<string, ProviderId>> = {
  // OpenAI
  'openai_chat': 'openai',
  'openai_responses': 'openai',
  'text-completion-openai': 'openai',
  // Azure OpenAI and Azure AI (Foundry / AI Inference)
  'azure_openai': 'azure',
  'azure-openai': 'azure',
  'azureopenai': 'azure',
  'azure.ai.openai': 'azure',
  'az.ai.openai': 'azure',
  'azure.ai.inference': 'azure_ai',
  'az.ai.inference': 'azure_ai',
  'azure_ai_inference': 'azure_ai',
  'azure_foundry': 'azure_ai',
  // Google
  'google': 'gemini',
  'google_ai': 'gemini',
  'google_ai_studio': 'gemini',
  'google-ai-studio': 'gemini',
  'google_genai': 'gemini',
  'google-genai': 'gemini',
  'googleai': 'gemini',
  'gcp.gemini': 'gemini',
  'gcp.gen_ai': 'gemini',
  'vertex': 'vertex_ai',
  'vertexai': 'vertex_ai',
  'vertex-ai': 'vertex_ai',
  'google_vertex': 'vertex_ai',
  'google-vertex': 'vertex_ai',
  'google_vertex_ai': 'vertex_ai',
  'gcp.vertex_ai': 'vertex_ai',
  'vertex_ai_beta': 'vertex_ai',
  // AWS
  'aws': 'bedrock',
  'aws_bedrock': 'bedrock',
  'aws-bedrock': 'bedrock',
  'aws.bedrock': 'bedrock',
  'amazon_bedrock': 'bedrock',
  'amazon-bedrock': 'bedrock',
  'amazon': 'bedrock',
  'bedrock_converse': 'bedrock',
  'bedrock-runtime': 'bedrock',
  // Others
  'anthropic_messages': 'anthropic',
  'claude': 'anthropic',
  'mistral_ai': 'mistral',
  'mistralai': 'mistral',
  'mistral-ai': 'mistral',
  'cohere_chat': 'cohere',
  'x-ai': 'xai',
  'x_ai': 'xai',
  'x.ai': 'xai',
  'grok': 'xai',
  'together': 'together_ai',
  'togetherai': 'together_ai',
  'together-ai': 'together_ai',
  'fireworks': 'fireworks_ai',
  'fireworksai': 'fireworks_ai',
  'fireworks-ai': 'fireworks_ai',
  'perplexity_ai': 'perplexity',
  'perplexity-ai': 'perplexity',
  'ibm.watsonx.ai': 'watsonx',
  'ibm_watsonx': 'watsonx',
  'watsonx_ai': 'watsonx',
  'nvidia': 'nvidia_nim',
  'nim': 'nvidia_nim',
  'hf': 'huggingface',
  'hugging_face': 'huggingface',
  'jina': 'jina_ai',
  'voyageai': 'voyage',
  'voyage_ai': 'voyage',
  'moonshotai': 'moonshot',
  'kimi': 'moonshot',
  'qwen': 'dashscope',
  'alibaba': 'dashscope',
  'zhipu': 'zai',
  'z.ai': 'zai',
  'z_ai': 'zai',
  'lmstudio': 'lm_studio',
  'lm-studio': 'lm_studio',
  'workers_ai': 'cloudflare',
  'cloudflare_workers_ai': 'cloudflare',
  'github_models': 'github',
  'litellm': 'litellm_proxy',
};

/**
 * The canonical id for a provider name: an alias resolves to its LiteLLM name,
 * a known id stays, anything else is returned lower-cased and trimmed.
 */
export function resolveProvider(name: string): string {
  const key = name.trim().toLowerCase();
  return PROVIDER_ALIASES[key] ?? key;
}

/** Whether a (resolved) provider id is one tally knows. */
export function isKnownProvider(id: string): id is ProviderId {
  return KNOWN.has(id);
}

/**
 * Providers whose models are served with Anthropic's usage object (Claude on
 * Anthropic, Bedrock InvokeModel, Vertex). Used only to name an ambiguous
 * `{input_tokens, output_tokens}` usage; both readings give the same counts.
 */
export function looksAnthropic(provider: string | undefined, model: string | undefined): boolean {
  if (provider !== undefined && resolveProvider(provider) === 'anthropic') return true;
  return model !== undefined && model.toLowerCase().includes('claude');
}
