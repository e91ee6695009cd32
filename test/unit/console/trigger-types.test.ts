import { RUN_TRIGGER_TYPES } from '../../../lambdas/execution/run-repository';
import { TRIGGER_TYPES } from '../../../console/src/api/types';

test("the runs filter offers the API's trigger types", () => {
  expect([...TRIGGER_TYPES]).toEqual([...RUN_TRIGGER_TYPES]);
});
