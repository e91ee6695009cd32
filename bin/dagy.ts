#!/usr/bin/env -S npx tsx
import { main } from '../cli/main';

// The `dagy` CLI (docs/cli.md). `npm start` runs `dagy dev`, the local platform.
void main(process.argv);
