import { describe, expect, it } from 'vitest';
import { AppError } from '../../api/errors.js';
import { buildPlanInput, EMPTY_PLAN_FORM, keyState, orderKeys, planProblemsFrom } from './utils.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('key state', () => {
  it('says revoked, expired, expiring (rotated, in grace) or active', () => {
    expect(keyState({ key_id: 'a', revoked_at: '2026-05-01T00:00:00Z' }, NOW)).toBe('revoked');
    expect(keyState({ key_id: 'b', expires_at: '2026-05-31T00:00:00Z' }, NOW)).toBe('expired');
    expect(keyState({ key_id: 'c', expires_at: '2026-06-02T00:00:00Z' }, NOW)).toBe('expiring');
    expect(keyState({ key_id: 'd' }, NOW)).toBe('active');
  });

  it('lists usable keys first, newest first', () => {
    const keys = [
      { key_id: 'old', created_at: '2026-01-01T00:00:00Z' },
      { key_id: 'gone', created_at: '2026-05-01T00:00:00Z', revoked_at: '2026-05-02T00:00:00Z' },
      { key_id: 'new', created_at: '2026-05-01T00:00:00Z' },
    ];
    expect(orderKeys(keys, NOW).map((k) => k.key_id)).toEqual(['new', 'old', 'gone']);
  });
});

describe('new plan form', () => {
  it('sends whole numbers and leaves unset optional limits out', () => {
    expect(
      buildPlanInput({
        ...EMPTY_PLAN_FORM,
        name: ' gold ',
        requests_per_minute: '600',
        burst: '50',
      }),
    ).toEqual({ input: { name: 'gold', requests_per_minute: 600, burst: 50 } });
    expect(
      buildPlanInput({
        name: 'gold',
        requests_per_minute: '600',
        burst: '50',
        requests_per_second: '20',
        daily_quota: '100000',
      }),
    ).toEqual({
      input: {
        name: 'gold',
        requests_per_minute: 600,
        burst: 50,
        requests_per_second: 20,
        daily_quota: 100000,
      },
    });
  });

  it('names every field it cannot send, and leaves ranges to the admin API', () => {
    expect(
      buildPlanInput({ ...EMPTY_PLAN_FORM, requests_per_minute: '1.5', daily_quota: 'lots' }),
    ).toEqual({
      problems: {
        name: 'Give the plan a name.',
        requests_per_minute: 'Use a whole number.',
        burst: 'Required.',
        daily_quota: 'Use a whole number.',
      },
    });
    // 0 is out of range, but that is the API's answer to give.
    expect(
      buildPlanInput({ ...EMPTY_PLAN_FORM, name: 'x', requests_per_minute: '0', burst: '1' }),
    ).toHaveProperty('input');
  });

  it("places the API's field problems under their fields and the rest in one form message", () => {
    const invalid = new AppError('http', 'burst: Too small', {
      status: 422,
      code: 'validation_failed',
      field: 'burst',
      problems: [
        { field: 'burst', message: 'Too small: expected number to be >=1' },
        { field: 'name', message: 'lower-case letters, digits, - and _; at most 63' },
      ],
    });
    expect(planProblemsFrom(invalid)).toEqual({
      fields: {
        burst: 'Too small: expected number to be >=1',
        name: 'lower-case letters, digits, - and _; at most 63',
      },
      form: null,
    });

    const taken = new AppError('http', 'A plan with this name already exists.', {
      status: 409,
      code: 'plan_exists',
      field: 'name',
    });
    expect(planProblemsFrom(taken)).toEqual({
      fields: { name: 'A plan with this name already exists.' },
      form: null,
    });

    const unknown = new AppError('http', 'x', {
      status: 422,
      problems: [{ field: 'colour', message: 'This field is not accepted here.' }],
    });
    expect(planProblemsFrom(unknown)).toEqual({
      fields: {},
      form: 'colour: This field is not accepted here.',
    });
    expect(planProblemsFrom(new AppError('network', 'Cannot reach the server.'))).toEqual({
      fields: {},
      form: 'Cannot reach the server.',
    });
  });
});
