import type { TaskStatus, TriggerDecision, TriggerRule } from '../../../lambdas/engine';
import { evaluateTriggerRule, isTerminalTaskStatus, TASK_STATUSES, TRIGGER_RULES } from '../../../lambdas/engine';

const code: Record<string, TaskStatus> = { P: 'PENDING', R: 'RUNNING', S: 'SUCCEEDED', F: 'FAILED', K: 'SKIPPED' };

/** Evaluates a rule for upstreams u1, u2... given as a string of status letters, e.g. 'SF'. */
function decide(rule: TriggerRule, statuses: string): TriggerDecision {
  return evaluateTriggerRule(rule, [...statuses].map((c, i) => ({ name: `u${i + 1}`, status: code[c]! })));
}

const ready: TriggerDecision = { kind: 'ready' };
const wait: TriggerDecision = { kind: 'wait' };
const skip = (reason: string): TriggerDecision => ({ kind: 'skip', reason });

describe('trigger rules truth table', () => {
  it.each<[TriggerRule, string, TriggerDecision]>([
    ['all_success', 'SS', ready],
    ['all_success', 'SR', wait],
    ['all_success', 'PP', wait],
    ['all_success', 'SF', skip("upstream 'u2' FAILED")],
    ['all_success', 'RF', skip("upstream 'u2' FAILED")],
    ['all_success', 'KS', skip("upstream 'u1' SKIPPED")],
    ['all_success', 'KF', skip("upstream 'u2' FAILED")],
    ['all_done', 'SF', ready],
    ['all_done', 'KK', ready],
    ['all_done', 'FR', wait],
    ['all_done', 'PS', wait],
    ['one_success', 'SR', ready],
    ['one_success', 'FS', ready],
    ['one_success', 'FR', wait],
    ['one_success', 'PP', wait],
    ['one_success', 'FK', skip('trigger rule one_success cannot hold: no upstream succeeded')],
    ['one_failed', 'FR', ready],
    ['one_failed', 'SF', ready],
    ['one_failed', 'SR', wait],
    ['one_failed', 'SK', skip('trigger rule one_failed cannot hold: no upstream failed')],
    ['none_failed', 'SS', ready],
    ['none_failed', 'SK', ready],
    ['none_failed', 'KK', ready],
    ['none_failed', 'SR', wait],
    ['none_failed', 'KP', wait],
    ['none_failed', 'RF', skip("upstream 'u2' FAILED")],
  ])('%s with upstreams %s', (rule, statuses, expected) => {
    expect(decide(rule, statuses)).toEqual(expected);
  });

  it.each(TRIGGER_RULES)('%s: a task without upstreams is ready', (rule) => {
    expect(evaluateTriggerRule(rule, [])).toEqual(ready);
  });
});

describe('trigger rule decisions are final', () => {
  // Exhaustive over 3 upstreams: moving any non-terminal upstream to any terminal status never
  // turns a ready task into a skipped one or vice versa (so early firing is safe).
  const letters = Object.keys(code);
  const combos = letters.flatMap((a) => letters.flatMap((b) => letters.map((c) => a + b + c)));
  const terminal = letters.filter((l) => isTerminalTaskStatus(code[l]!));

  it.each(TRIGGER_RULES)('%s', (rule) => {
    let checked = 0;
    for (const combo of combos) {
      const before = decide(rule, combo).kind;
      if (before === 'wait') continue;
      [...combo].forEach((letter, i) => {
        if (isTerminalTaskStatus(code[letter]!)) return;
        for (const t of terminal) {
          const after = combo.slice(0, i) + t + combo.slice(i + 1);
          expect([combo, after, decide(rule, after).kind]).toEqual([combo, after, before]);
          checked++;
        }
      });
    }
    // all_done only decides once every upstream is terminal, so there is nothing left to move.
    if (rule === 'all_done') expect(checked).toBe(0);
    else expect(checked).toBeGreaterThan(0);
  });

  it('once every upstream is terminal, no rule waits', () => {
    for (const rule of TRIGGER_RULES) {
      for (const a of TASK_STATUSES.filter(isTerminalTaskStatus)) {
        for (const b of TASK_STATUSES.filter(isTerminalTaskStatus)) {
          expect(evaluateTriggerRule(rule, [{ name: 'x', status: a }, { name: 'y', status: b }]).kind).not.toBe('wait');
        }
      }
    }
  });
});
