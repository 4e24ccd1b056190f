import { describeError } from '../api/errors.ts';

/** An error the person should read, announced to screen readers. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  return (
    <div className="error-message" role="alert">
      {title && <strong>{title} </strong>}
      {typeof error === 'string' ? error : describeError(error)}
    </div>
  );
}
