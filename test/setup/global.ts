// Global setup for end-to-end tests: starts what they need on 127.0.0.1 and stops it afterwards.
// Each service module exports start(): Promise<() => Promise<void>> and provides its address to tests.
import type { TestProject } from 'vitest/node';
import { startRegistryService } from './registry.js';

type Stop = () => Promise<void>;
const services: Array<(project: TestProject) => Promise<Stop>> = [startRegistryService];

export default async function setup(project: TestProject): Promise<Stop> {
  const stops: Stop[] = [];
  for (const start of services) stops.push(await start(project));
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
