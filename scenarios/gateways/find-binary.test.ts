import { describe, expect, it } from 'vitest';
import { nginxDriver } from './nginx';
import { findBinary } from './find-binary';

describe('findBinary', () => {
  it('finds an executable on PATH and refuses a --gateway-bin that is not one', async () => {
    expect(await findBinary(['sh'], undefined, '/bin:/usr/bin')).toMatchObject({ path: expect.stringMatching(/\/sh$/) });
    expect(await findBinary(['sh'], '/etc/passwd')).toEqual({ unavailable: '--gateway-bin /etc/passwd is not an executable file' });
    const missing = await findBinary(['certgate-no-such-server'], undefined, '/nonexistent');
    expect('unavailable' in missing && missing.unavailable).toMatch(/certgate-no-such-server not found on PATH.*--gateway-bin/);
  });

  it('a driver reports a missing binary as unavailable with the reason (what the tests skip on)', async () => {
    expect(await nginxDriver.detect('/nonexistent/nginx')).toEqual({ unavailable: '--gateway-bin /nonexistent/nginx is not an executable file' });
  });
});
