import { DYNAMODB_LOCAL_JVM_OPTIONS, jvmOptionsBeside } from '../../../local/dynamodb-local';

describe("DynamoDB Local's JVM options beside the user's JAVA_TOOL_OPTIONS", () => {
  it('adds all of ours when the user set none', () => {
    expect(jvmOptionsBeside('')).toEqual(DYNAMODB_LOCAL_JVM_OPTIONS);
    expect(jvmOptionsBeside('-Xmx2g -Dfile.encoding=UTF-8')).toEqual(['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']);
  });

  it("leaves the collector to a user who chose one (two would stop the JVM), and the user's compiler level", () => {
    expect(jvmOptionsBeside('-XX:+UseG1GC')).toEqual(['-XX:TieredStopAtLevel=1']);
    expect(jvmOptionsBeside('-XX:+UseParallelGC -XX:TieredStopAtLevel=4')).toEqual([]);
  });
});
