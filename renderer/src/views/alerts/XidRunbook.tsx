import { xidRunbook } from '../../../../shared/xid-runbook.js';

/** What NVIDIA's Xid catalog says to do about an Xid alert's code: now, and once the service is safe. */
export function XidRunbook({ code }: { code: number }) {
  const book = xidRunbook(code);
  return (
    <details className="runbook" data-testid={`runbook-${code}`}>
      <summary>Runbook: Xid {code}</summary>
      {book ? (
        <dl>
          <dt>Means</dt>
          <dd>{book.description}</dd>
          <dt>Do now</dt>
          <dd>
            {book.immediate.action} <span className="small">({book.immediate.code})</span>
          </dd>
          {book.investigate ? (
            <>
              <dt>Then look at</dt>
              <dd>
                {book.investigate.action} <span className="small">({book.investigate.code})</span>
              </dd>
            </>
          ) : null}
        </dl>
      ) : (
        <p>NVIDIA&apos;s Xid catalog does not list code {code}: collect nvidia-bug-report.sh output and contact NVIDIA or the vendor.</p>
      )}
    </details>
  );
}
