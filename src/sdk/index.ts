/**
 * tally's TypeScript SDK: `import { createTallyClient, createUsageRecorder, createQuotaClient, httpTransport, wrapOpenAI } from 'tally/sdk'`.
 * See docs/producing.md.
 */
export {
  createTallyClient, errorFor, type TallyClient, type TallyClientOptions, type AnalyticsParams, type IngestAnswer, type StoredBudget,
} from './client/index.js';
export { createUsageRecorder, type UsageRecorder, type UsageRecorderOptions } from './recorder.js';
export { httpTransport, type HttpTransportOptions } from './transports/http.js';
export {
  createQuotaClient, type QuotaClient, type QuotaClientOptions, type InProcessQuotaOptions, type HttpQuotaOptions,
  type QuotaVerdict, type QuotaReservation, type QuotaSettlement,
} from './quota.js';
export type { LeaseOptions } from '../budgets/leases.js';
export type { ActualUsage, CheckedStatus, Subject, UsageEstimate } from '../budgets/types.js';
export type { BudgetInput } from '../budgets/model.js';
export { kafkaTransport } from './transports/kafka.js';
export { wrapOpenAI, type OpenAILike } from './wrappers/openai.js';
export { wrapAnthropic, type AnthropicLike } from './wrappers/anthropic.js';
export type { WrapperIdentity, WrapperOptions } from './wrappers/common.js';
export type { WrapperPolicy } from './wrappers/enforce.js';
export { preloadTokenizer } from './wrappers/tokens.js';
export type { EventDefaults, FlushInfo, RecordedEvent, RetryInfo, UsageTransport } from './types.js';
export { createKafkaEventLog, type KafkaEventLogOptions } from '../eventlog/kafka/log.js';
export type { UsageEventInput } from '../events/schema.js';
export { TallyError, type ErrorCode, type FieldError } from '../core/errors.js';
