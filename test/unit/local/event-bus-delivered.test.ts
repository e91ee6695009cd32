import { createLocalEventBus, DELIVERED_KEPT, DELIVERED_TRIM_STEP } from '../../../local/event-bus';
import type { AwsEmulator } from '../../../local/aws-emulator';

// The local bus keeps the events it saw for tests to read, but not all of them forever: a
// long-running `npm start` would grow without bound.
test('the bus keeps the newest events only, trimmed in steps', async () => {
  const bus = createLocalEventBus({
    dagyBusName: 'dagy',
    buckets: { artifacts: 'a' } as never,
    emulator: { register: () => undefined } as unknown as AwsEmulator,
    invoke: async () => undefined,
    onError: () => undefined,
  });
  // One over the step: trimmed back to DELIVERED_KEPT, the oldest gone.
  const total = DELIVERED_KEPT + DELIVERED_TRIM_STEP + 1;
  for (let i = 0; i < total; i++) await bus.put('nowhere', { source: 'test', 'detail-type': 'Tick', time: new Date().toISOString(), resources: [], detail: { i } });
  expect(bus.delivered.length).toBe(DELIVERED_KEPT);
  expect(bus.delivered.at(-1)!.event.detail).toEqual({ i: total - 1 });
  expect(bus.delivered[0]!.event.detail).toEqual({ i: total - DELIVERED_KEPT });
});
