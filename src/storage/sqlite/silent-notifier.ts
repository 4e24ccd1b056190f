import type { Notifier } from '../ports.ts';

/**
 * The embedded store serves one server process, whose engine already hears its own events
 * in process; there is nobody else to tell.
 */
export const silentNotifier: Notifier = {
  async publish() {},
  async subscribe() {
    return async () => {};
  },
};
