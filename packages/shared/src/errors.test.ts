import { describe, expect, it } from 'vitest';
import { ApiError, CommonErrors, ErrorEnvelopeSchema } from './errors.js';

describe('ApiError', () => {
  it('renders the envelope with code, message, field and request id', () => {
    const err = new ApiError(CommonErrors.validation_failed, { field: 'items.0.sku' });
    const body = err.toEnvelope('req_1');
    expect(ErrorEnvelopeSchema.parse(body)).toEqual(body);
    expect(body).toEqual({
      error: {
        code: 'validation_failed',
        message: 'The request is not valid.',
        field: 'items.0.sku',
        request_id: 'req_1',
      },
    });
    expect(err.status).toBe(422);
  });

  it('omits field and details when absent', () => {
    const body = new ApiError(CommonErrors.not_found).toEnvelope('r');
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'request_id']);
  });
});
