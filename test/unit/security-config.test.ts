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

  it('touching many other subjects does not reset an exhausted one; only a refilled bucket is forgotten below the hard cap', async () => {
    let now = 0;
    const bucket = tokenBucket(defaultSecurity.subjectAttempts, () => now, { soft: 3, hard: 10 });
    for (let i = 0; i < 5; i++) await bucket.take('t/victim');
    for (const other of ['a', 'b', 'c', 'd', 'e']) await bucket.take(`t/${other}`);
    // Above the soft cap with nothing refilled: every bucket kept, the victim still refused.
    expect(bucket.size).toBe(6);
    expect((await bucket.take('t/victim')).ok).toBe(false);
    // Ten minutes refill every bucket (5 at one per 2 min): each new key now drops the least recently seen one.
    now += 600_000;
    for (const other of ['f', 'g', 'h']) await bucket.take(`t/${other}`);
    expect(bucket.size).toBe(6);
  });

  it('beyond the hard cap memory wins: the least recently seen bucket goes even while it refills', async () => {
    const bucket = tokenBucket(defaultSecurity.subjectAttempts, () => 0, { soft: 3, hard: 6 });
    for (let i = 0; i < 5; i++) await bucket.take('t/victim');
    for (const other of ['a', 'b', 'c', 'd', 'e']) await bucket.take(`t/${other}`);
    expect((await bucket.take('t/victim')).ok).toBe(false);
    for (const other of ['f', 'g', 'h', 'i', 'j', 'k']) await bucket.take(`t/${other}`);
    expect(bucket.size).toBe(6);
    expect(await bucket.take('t/victim')).toEqual({ ok: true });
  });
});
