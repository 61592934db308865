#!/usr/bin/env node
import { runCli } from '@mmio-tools/core';
import { main } from '../dist/cli.js';

runCli('mmio-extract', main, { writesFiles: true });
