#!/usr/bin/env -S npx tsx
// The CDK app: `npx cdk synth` (stage from cdk.json, or -c stage=prod). See lib/app.ts.
import { App } from 'aws-cdk-lib';
import { addNagChecks, buildDagyApp } from '../lib/app';

const app = new App();
buildDagyApp(app);
addNagChecks(app);
