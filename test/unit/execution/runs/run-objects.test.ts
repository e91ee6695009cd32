import { isOrgObjectKey, logKey, outputKey, runPrefix } from '../../../../lambdas/execution/run-objects';
import { executionArnOf } from '../../../../lambdas/execution/run-starter';
import { taskRunId } from '../../../../lambdas/execution/task-run-repository';

describe('run object keys and ids', () => {
  it('puts every object of a run under runs/<org>/<run>/<task>/', () => {
    expect(runPrefix('o1', 'r1')).toBe('runs/o1/r1/');
    expect(outputKey('o1', 'r1', 'extract.v2')).toBe('runs/o1/r1/extract.v2/output.json');
    expect(logKey('o1', 'r1', 'extract')).toBe('runs/o1/r1/extract/logs.txt');
    expect(isOrgObjectKey('o1', outputKey('o1', 'r0', 't'))).toBe(true);
    expect(isOrgObjectKey('o1', outputKey('o10', 'r0', 't'))).toBe(false);
  });

  it('refuses segments that would escape their folder', () => {
    expect(() => outputKey('o1', 'r1', 'a/b')).toThrow('task_name');
    expect(() => logKey('', 'r1', 'a')).toThrow('org_id');
  });

  it('gives each (run, task) a stable, distinct task_run_id', () => {
    expect(taskRunId('r1', 'a')).toBe(taskRunId('r1', 'a'));
    expect(taskRunId('r1', 'a')).toMatch(/^tr_[0-9a-f]{24}$/);
    const ids = new Set(['a', 'b', 'ab'].flatMap((t) => [taskRunId('r1', t), taskRunId('r2', t)]));
    expect(ids.size).toBe(6);
    // The separator keeps ("r1a", "b") and ("r1", "ab") apart.
    expect(taskRunId('r1a', 'b')).not.toBe(taskRunId('r1', 'ab'));
  });

  it('derives the executionArn Step Functions gives an execution named after the run', () => {
    expect(executionArnOf('arn:aws:states:eu-west-1:111:stateMachine:dagy-run', 'r1')).toBe('arn:aws:states:eu-west-1:111:execution:dagy-run:r1');
  });
});
