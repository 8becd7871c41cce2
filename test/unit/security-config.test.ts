import { describe, expect, it } from 'vitest';
import { defaultSecurity, securityFromVars } from '../../src/config.ts';
import { tokenBucket } from '../../src/security/rate-limit.ts';

describe('verify attempts per subject', () => {
  it('PINFACE_SUBJECT_ATTEMPTS is attempts per hour, its burst a sixth; anything but a positive number keeps the default', () => {
    expect(securityFromVars(defaultSecurity, { PINFACE_SUBJECT_ATTEMPTS: '12' }).subjectAttempts).toEqual({ perMinute: 0.2, burst: 2 });
    for (const v of ['0', '-5', 'many', '']) expect(securityFromVars(defaultSecurity, { PINFACE_SUBJECT_ATTEMPTS: v }).subjectAttempts).toEqual(defaultSecurity.subjectAttempts);
  });

  it('the default lets 5 through at once, then one every 2 minutes, and says how long to wait', async () => {
    let now = 0;
    const bucket = tokenBucket(defaultSecurity.subjectAttempts, () => now);
    for (let i = 0; i < 5; i++) expect(await bucket.take('t/s')).toEqual({ ok: true });
    expect(await bucket.take('t/s')).toEqual({ ok: false, retryAfter: 120 });
    expect(await bucket.take('t/other')).toEqual({ ok: true });
    now += 119_000;
    expect((await bucket.take('t/s')).ok).toBe(false);
    now += 2_000;
    expect(await bucket.take('t/s')).toEqual({ ok: true });
  });
});
