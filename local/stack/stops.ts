/** What a start has started, stopped in reverse order on failure or on stop(); stop() may be called twice. */
export interface Stops {
  add(...closers: (() => Promise<void>)[]): void;
  stop(): Promise<void>;
}

export function createStops(): Stops {
  const closers: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  return {
    add: (...more) => {
      closers.push(...more);
    },
    stop: () => {
      stopping ??= (async () => {
        const errors: unknown[] = [];
        for (const close of closers.reverse()) {
          await close().catch((error: unknown) => errors.push(error));
        }
        if (errors.length > 0) throw new AggregateError(errors, 'the local stack did not stop cleanly');
      })();
      return stopping;
    },
  };
}
