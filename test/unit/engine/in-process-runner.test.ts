import type { TaskUpdateEvent } from '../../../lambdas/engine';
import { runDagInProcess } from '../../../lambdas/engine';
import { controlledRun, deferred, flush } from './runner-harness';
import { codeTask, flow, ruled } from './spec-builders';

describe('runDagInProcess: dispatch', () => {
  it('starts a task as soon as its upstream finishes, while an unrelated slow task still runs', async () => {
    const spec = flow(['slow', 'b', 'c', 'd'], ['b>c', 'c>d', 'slow>d']);
    const h = controlledRun();
    const run = runDagInProcess(spec, h.options);
    await flush();
    expect(h.started()).toEqual(['slow#1', 'b#1']);

    h.succeed('b');
    await flush();
    // Level-by-level scheduling would hold c until slow (same level as b) finished.
    expect(h.started()).toEqual(['slow#1', 'b#1', 'c#1']);
    expect(h.call('c').inputs).toEqual({ b: { from: 'b' } });

    h.succeed('c');
    await flush();
    expect(h.started()).not.toContain('d#1'); // d also needs slow

    h.succeed('slow');
    await flush();
    expect(h.call('d').inputs).toEqual({ c: { from: 'c' }, slow: { from: 'slow' } });
    h.succeed('d', { rows: [1, 2] });

    const result = await run;
    expect(result.status).toBe('SUCCEEDED');
    expect(Object.values(result.taskStates).map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(result.taskStates.d).toMatchObject({ attempt: 1, output: { rows: [1, 2] } });
  });

  /** A run of a → b whose record of a's `type` event waits until the test settles `gate`. */
  function heldRecord(type: TaskUpdateEvent['type']) {
    const h = controlledRun();
    const gate = deferred<void>();
    const run = runDagInProcess(flow(['a', 'b'], ['a>b']), {
      ...h.options,
      onTaskUpdate: async (event) => {
        h.events.push(event);
        if (event.type === type && event.task === 'a') await gate.promise;
      },
    });
    return { h, gate, run };
  }

  it('records an upstream outcome before starting its downstreams', async () => {
    const { h, gate, run } = heldRecord('succeeded');
    await flush();
    h.succeed('a');
    await flush();
    expect(h.started()).toEqual(['a#1']); // a's SUCCEEDED write is still in flight
    gate.resolve();
    await flush();
    h.succeed('b');
    await run;
    expect(h.eventLog()).toEqual(['a:started#1', 'a:succeeded#1', 'b:started#1', 'b:succeeded#1']);
  });

  it('waits for a failure to be recorded before deciding what depends on it', async () => {
    const { h, gate, run } = heldRecord('failed');
    await flush();
    h.fail('a');
    await flush();
    expect(h.eventLog()).toEqual(['a:started#1', 'a:failed#1']);
    gate.resolve();
    expect((await run).status).toBe('FAILED');
    expect(h.eventLog()).toEqual(['a:started#1', 'a:failed#1', 'b:skipped#0']);
  });

  it('rejects the run when a success cannot be recorded: its downstream never starts', async () => {
    const { h, gate, run } = heldRecord('succeeded');
    await flush();
    h.succeed('a');
    await flush();
    gate.reject(new Error('store unavailable'));
    await expect(run).rejects.toThrow('store unavailable');
    expect(h.started()).toEqual(['a#1']);
    expect(h.eventLog()).toEqual(['a:started#1', 'a:succeeded#1']);
  });

  it('fires one_success as soon as one upstream succeeds, with only that upstream as input', async () => {
    const spec = flow(['slow', 'fast', ruled('either', 'one_success')], ['slow>either', 'fast>either']);
    const h = controlledRun();
    const run = runDagInProcess(spec, h.options);
    await flush();
    h.succeed('fast');
    await flush();
    expect(h.call('either').inputs).toEqual({ fast: { from: 'fast' } });
    h.succeed('either');
    h.fail('slow');
    const result = await run;
    expect(result.status).toBe('FAILED');
    expect(result.taskStates.either?.status).toBe('SUCCEEDED');
  });

  it('never runs more than maxConcurrency attempts at once', async () => {
    const spec = flow(['t1', 't2', 't3', 't4', 't5']);
    const h = controlledRun();
    const run = runDagInProcess(spec, { ...h.options, maxConcurrency: 2 });
    for (let done = 0; done < 5; done++) {
      await flush();
      const inFlight = h.calls.length - done;
      expect(inFlight).toBe(Math.min(2, 5 - done));
      h.succeed(h.calls[done]!.task);
    }
    expect((await run).status).toBe('SUCCEEDED');
    expect(h.started()).toEqual(['t1#1', 't2#1', 't3#1', 't4#1', 't5#1']);
  });

  it('frees the slot of a task waiting to retry', async () => {
    const spec = flow([codeTask('flaky', { retries: 1, retry_delay_seconds: 30 }), 'other']);
    const h = controlledRun();
    const wait = deferred<void>();
    const run = runDagInProcess(spec, { ...h.options, maxConcurrency: 1, sleep: () => wait.promise });
    await flush();
    expect(h.started()).toEqual(['flaky#1']);
    h.fail('flaky');
    await flush();
    expect(h.started()).toEqual(['flaky#1', 'other#1']); // other runs during flaky's 30 s wait
    h.succeed('other');
    wait.resolve();
    await flush();
    h.succeed('flaky', 'ok', 2);
    expect((await run).status).toBe('SUCCEEDED');
  });

  it('rejects a bad maxConcurrency', async () => {
    await expect(runDagInProcess(flow(['a']), { ...controlledRun().options, maxConcurrency: 0 })).rejects.toThrow(RangeError);
    await expect(runDagInProcess(flow(['a']), { ...controlledRun().options, maxConcurrency: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('runDagInProcess: retries and failures', () => {
  it('retries with backoff delays, then succeeds', async () => {
    const spec = flow([codeTask('a', { retries: 2, retry_delay_seconds: 1, retry_backoff: 2 })]);
    const h = controlledRun();
    const run = runDagInProcess(spec, h.options);
    await flush();
    h.fail('a', 'first', 1);
    await flush();
    h.fail('a', 'second', 2);
    await flush();
    h.succeed('a', 42, 3);
    const result = await run;

    expect(h.sleeps).toEqual([1000, 2000]);
    expect(result.taskStates.a).toMatchObject({ status: 'SUCCEEDED', attempt: 3, output: 42 });
    expect(h.eventLog()).toEqual(['a:started#1', 'a:retrying#1', 'a:started#2', 'a:retrying#2', 'a:started#3', 'a:succeeded#3']);
    const retrying = h.events.filter((e): e is Extract<TaskUpdateEvent, { type: 'retrying' }> => e.type === 'retrying');
    expect(retrying.map((e) => [e.error, e.retryDelaySeconds, e.status])).toEqual([['first', 1, 'RUNNING'], ['second', 2, 'RUNNING']]);
  });

  it('uses the random source for jittered delays', async () => {
    const spec = flow([codeTask('a', { retries: 1, retry_delay_seconds: 10, retry_jitter: true })]);
    const h = controlledRun();
    const run = runDagInProcess(spec, { ...h.options, random: () => 0.25 });
    await flush();
    h.fail('a');
    await flush();
    h.succeed('a', null, 2);
    await run;
    expect(h.sleeps).toEqual([2500]);
  });

  it('fails after the last retry and skips downstreams with the reason; all_done still runs', async () => {
    const spec = flow(
      [codeTask('a', { retries: 1, retry_delay_seconds: 0 }), 'b', 'c', ruled('d', 'all_done'), 'e'],
      ['a>c', 'a>d', 'b>d', 'c>e'],
    );
    const h = controlledRun();
    const run = runDagInProcess(spec, h.options);
    await flush();
    h.succeed('b');
    h.fail('a', 'bad input', 1);
    await flush();
    h.fail('a', 'still bad', 2);
    await flush();
    expect(h.call('d').inputs).toEqual({ b: { from: 'b' } }); // the failed upstream is not an input
    h.succeed('d');
    const result = await run;

    expect(result.status).toBe('FAILED');
    expect(result.taskStates.a).toMatchObject({ status: 'FAILED', attempt: 2, error: 'still bad' });
    expect(result.taskStates.c).toMatchObject({ status: 'SKIPPED', attempt: 0, reason: "upstream 'a' FAILED" });
    expect(result.taskStates.e).toMatchObject({ status: 'SKIPPED', reason: "upstream 'c' SKIPPED" });
    expect(h.events.filter((e) => e.type === 'skipped')).toEqual([
      expect.objectContaining({ task: 'c', status: 'SKIPPED', reason: "upstream 'a' FAILED" }),
      expect.objectContaining({ task: 'e', status: 'SKIPPED', reason: "upstream 'c' SKIPPED" }),
    ]);
    expect(h.started()).not.toContain('c#1');
  });

  it('counts a thrown error or a malformed result as a failed attempt', async () => {
    const spec = flow(['throws', 'rejects', 'malformed']);
    const h = controlledRun();
    const result = await runDagInProcess(spec, {
      ...h.options,
      executeTask: async (task) => {
        if (task === 'throws') throw new Error('kaput');
        if (task === 'rejects') return Promise.reject('plain string');
        return { nope: true } as never;
      },
    });
    expect(result.taskStates.throws?.error).toBe('kaput');
    expect(result.taskStates.rejects?.error).toBe('plain string');
    expect(result.taskStates.malformed?.error).toBe('executeTask returned neither {ok: true} nor {ok: false}');
  });
});

describe('runDagInProcess: timeouts', () => {
  it('fails an attempt that outlives timeout_seconds and aborts its signal', async () => {
    const spec = flow([codeTask('hang', { timeout_seconds: 5 }), 'next'], ['hang>next']);
    const h = controlledRun();
    const run = runDagInProcess(spec, h.options);
    await flush();
    expect(h.timers.map((t) => t.ms)).toEqual([5000]);
    expect(h.call('hang').context.signal.aborted).toBe(false);

    h.timers[0]!.fire.resolve();
    const result = await run;
    expect(result.taskStates.hang).toMatchObject({ status: 'FAILED', error: 'timed out after 5s' });
    expect(result.taskStates.next).toMatchObject({ status: 'SKIPPED', reason: "upstream 'hang' FAILED" });
    expect(h.call('hang').context.signal.aborted).toBe(true);
  });

  it('retries after a timeout, and cancels the timer of an attempt that finished', async () => {
    const spec = flow([codeTask('slow', { timeout_seconds: 2, retries: 1 })]);
    const h = controlledRun();
    const run = runDagInProcess(spec, h.options);
    await flush();
    h.timers[0]!.fire.resolve();
    await flush();
    h.succeed('slow', 'late but fine', 2);
    const result = await run;
    expect(result.taskStates.slow).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
    expect(h.timers[1]!.signal?.aborted).toBe(true);
    // The first attempt resolving after its timeout changes nothing.
    h.succeed('slow', 'too late', 1);
    await flush();
    expect(h.eventLog()).toEqual(['slow:started#1', 'slow:retrying#1', 'slow:started#2', 'slow:succeeded#2']);
  });
});

describe('runDagInProcess: resume and cancel', () => {
  it('keeps SUCCEEDED initial states and their outputs, reruns the rest', async () => {
    const spec = flow(['a', 'b', 'c'], ['a>b', 'b>c'], { outputs: { total: 'a.n', last: 'c' } });
    const h = controlledRun();
    const run = runDagInProcess(spec, {
      ...h.options,
      initialStates: { a: { status: 'SUCCEEDED', attempt: 2, output: { n: 5 } }, b: { status: 'FAILED', attempt: 3 }, c: { status: 'SKIPPED' } },
    });
    await flush();
    expect(h.started()).toEqual(['b#1']);
    expect(h.call('b').inputs).toEqual({ a: { n: 5 } });
    h.succeed('b');
    await flush();
    h.succeed('c', 'done');
    const result = await run;
    expect(result.status).toBe('SUCCEEDED');
    expect(result.taskStates.a).toEqual({ status: 'SUCCEEDED', attempt: 2, output: { n: 5 } });
    expect(result.outputs).toEqual({ total: 5, last: 'done' });
    expect(h.events.some((e) => e.task === 'a')).toBe(false);
  });

  it('cancels when isCancelled turns true: started tasks FAILED, the rest SKIPPED', async () => {
    const spec = flow(['a', 'b', 'slow'], ['a>b']);
    const h = controlledRun();
    let cancelled = false;
    const run = runDagInProcess(spec, { ...h.options, isCancelled: async () => cancelled });
    await flush();
    cancelled = true;
    h.succeed('a');
    const result = await run;

    expect(result.status).toBe('CANCELLED');
    expect(result.taskStates.a?.status).toBe('SUCCEEDED');
    expect(result.taskStates.b).toMatchObject({ status: 'SKIPPED', reason: 'run cancelled' });
    expect(result.taskStates.slow).toMatchObject({ status: 'FAILED', error: 'run cancelled' });
    expect(h.call('slow').context.signal.aborted).toBe(true);
    expect(h.started()).toEqual(['a#1', 'slow#1']);

    const eventsAtReturn = h.eventLog();
    expect(eventsAtReturn).toEqual(expect.arrayContaining(['b:skipped#0', 'slow:failed#1']));
    h.succeed('slow'); // a late result is ignored
    await flush();
    expect(h.eventLog()).toEqual(eventsAtReturn);
  });

  it('cancels at once when the signal aborts, even while a task waits to retry', async () => {
    const spec = flow([codeTask('a', { retries: 3, retry_delay_seconds: 60 })]);
    const h = controlledRun();
    const controller = new AbortController();
    const never = new Promise<void>(() => {});
    const run = runDagInProcess(spec, {
      ...h.options,
      signal: controller.signal,
      sleep: (_ms, signal) => (signal ? new Promise<void>((_res, rej) => signal.addEventListener('abort', () => rej(signal.reason))) : never),
    });
    await flush();
    h.fail('a');
    await flush();
    controller.abort();
    const result = await run;
    expect(result.status).toBe('CANCELLED');
    expect(result.taskStates.a).toMatchObject({ status: 'FAILED', attempt: 1, error: 'run cancelled' });
    expect(h.started()).toEqual(['a#1']);
  });

  it('rejects when recording an update fails', async () => {
    const h = controlledRun();
    const run = runDagInProcess(flow(['a', 'b'], ['a>b']), {
      ...h.options,
      onTaskUpdate: (event) => {
        if (event.type === 'succeeded') throw new Error('DynamoDB down');
      },
    });
    await flush();
    h.succeed('a');
    await expect(run).rejects.toThrow('DynamoDB down');
    expect(h.started()).toEqual(['a#1']);
  });
});

describe('runDagInProcess: outcomes arriving while skips are recorded', () => {
  it('does not stall when the last running task finishes during a skip delivery', async () => {
    // boom fails → later is skipped; side (independent) finishes while that skip is being
    // recorded. The step computed before the skip is stale: the runner must look again.
    const spec = flow(['boom', 'later', 'side'], ['boom>later']);
    const h = controlledRun();
    const skipRecorded = deferred<void>();
    let skipSeen = false;
    const run = runDagInProcess(spec, {
      ...h.options,
      onTaskUpdate: async (event: TaskUpdateEvent) => {
        h.events.push(event);
        if (event.type === 'skipped') {
          skipSeen = true;
          await skipRecorded.promise;
        }
      },
    });
    await flush();
    expect(h.started().sort()).toEqual(['boom#1', 'side#1']);
    h.fail('boom');
    await flush();
    expect(skipSeen).toBe(true);
    h.succeed('side');
    await flush();
    skipRecorded.resolve();
    const result = await run;
    expect(result.status).toBe('FAILED');
    expect(result.taskStates).toMatchObject({ boom: { status: 'FAILED' }, later: { status: 'SKIPPED' }, side: { status: 'SUCCEEDED' } });
  });
});
