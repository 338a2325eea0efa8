/** Config of the capture paths (issue #15): `otlp.*` and `cloudevents.*`, defaults and env. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

describe('otlp.* and cloudevents.*', () => {
  it('default to tally.tenant, user.id / enduser.id and subject → user_id', () => {
    const c = loadConfig({ env: {} });
    expect(c.otlp).toEqual({ tenantAttributes: ['tally.tenant'], userAttributes: ['user.id', 'enduser.id'] });
    expect(c.cloudevents).toEqual({ subject: 'user_id' });
  });

  it('read TALLY_OTLP_TENANT_ATTRIBUTES, TALLY_OTLP_USER_ATTRIBUTES and TALLY_CLOUDEVENTS_SUBJECT', () => {
    const c = loadConfig({ env: { TALLY_OTLP_TENANT_ATTRIBUTES: 'tenant.id,tally.tenant', TALLY_OTLP_USER_ATTRIBUTES: 'traceloop.association.properties.user_id', TALLY_CLOUDEVENTS_SUBJECT: 'tenant' } });
    expect(c.otlp).toEqual({ tenantAttributes: ['tenant.id', 'tally.tenant'], userAttributes: ['traceloop.association.properties.user_id'] });
    expect(c.cloudevents.subject).toBe('tenant');
  });

  it('refuses a subject mapping it does not know, naming the path', () => {
    expect(() => loadConfig({ env: { TALLY_CLOUDEVENTS_SUBJECT: 'customer' } })).toThrow(/cloudevents\.subject/);
  });
});
