/**
 * Topic frames that did not match their schema in the shared contract. The router checks every
 * frame when asked to (the tests set EDGEWARD_CHECK_FRAMES=1 and fail a test that produced one);
 * in the product the renderer's bridge validates what it receives instead.
 */
export const frameViolations: string[] = [];

export const checkFramesFromEnv = (): boolean => process.env.EDGEWARD_CHECK_FRAMES === '1';

export function recordFrameViolation(topic: string, problem: string): void {
  if (frameViolations.length < 100) frameViolations.push(`${topic}: ${problem}`);
}
