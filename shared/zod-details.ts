import type { z } from 'zod';
import type { ErrorDetail } from './errors.js';

/** A zod error as the field-by-field details every AppError carries (path, message). */
export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(request)',
    message: issue.message,
  }));
}
