#!/usr/bin/env node
import { runCli } from '@mmio-tools/core';
import { main } from '../dist/cli.js';

runCli('mmio-replay', main, { writesFiles: true });
