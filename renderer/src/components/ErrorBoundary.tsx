import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | undefined;
}

/**
 * A view that crashes shows what failed and how to get going again, instead of a blank window.
 * `resetKey` (the current route) clears the error when the user navigates elsewhere.
 */
export class ErrorBoundary extends Component<{ children: ReactNode; where: string; resetKey?: string }, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidUpdate(prev: { resetKey?: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(`[edgeward] ${this.props.where} crashed`, error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="error-panel" role="alert">
        <h2>{this.props.where} stopped working</h2>
        <p>
          <strong>What failed:</strong> {error.message || error.name}
        </p>
        <p>Nothing was sent to any node because of this. Your fleet keeps running as it was.</p>
        <div className="row">
          <button type="button" onClick={() => this.setState({ error: undefined })}>
            Try again
          </button>
          <button type="button" className="secondary" onClick={() => window.location.reload()}>
            Reload the window
          </button>
        </div>
        <details>
          <summary>Technical details for a bug report</summary>
          <pre>{error.stack}</pre>
        </details>
      </section>
    );
  }
}
