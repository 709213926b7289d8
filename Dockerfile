# The certgate emulator as a container: `certgate emulate` is the entry point, listening on 0.0.0.0 inside the
# container. Publish its port on the host's loopback only: `docker run -p 127.0.0.1::8443 certgate/emulator:local`.
#
# No image registry is reachable here or in CI, so the base is built locally from this machine's own node binary
# (scripts/docker-base-image.sh → certgate/base:local) and the dependencies come from the host's node_modules in the
# build context: nothing is downloaded during the build.
#
#   scripts/docker-engine.sh && scripts/docker-emulator-image.sh    # base image first, then this, both cached
#   docker run --rm -p 127.0.0.1:8443:8443 -v "$PWD/emulator.yaml:/config/emulator.yaml:ro" \
#       certgate/emulator:local --config /config/emulator.yaml

FROM certgate/base:local AS deps
# Lets scripts/docker-emulator-image.sh find superseded copies of this stage and remove them.
LABEL org.certgate.stage=deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
# Drop every package the lockfile marks dev-only (vitest, typescript, testcontainers, playwright…): they are about
# three quarters of node_modules and the emulator never loads them. npm is not in the image, so the lockfile is read
# directly; "devOptional" packages are kept (an optional production dependency may need them).
RUN ["node", "-e", "const fs=require('fs'),p=require('path');const lock=JSON.parse(fs.readFileSync('package-lock.json','utf8'));let n=0;for(const [k,v] of Object.entries(lock.packages)){if(k&&v.dev===true&&fs.existsSync(k)){fs.rmSync(k,{recursive:true,force:true});n++}}const bin='node_modules/.bin';if(fs.existsSync(bin))for(const f of fs.readdirSync(bin)){const l=p.join(bin,f);if(!fs.existsSync(l))fs.rmSync(l,{force:true})}console.log('pruned '+n+' dev-only packages')"]

FROM certgate/base:local
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
# One COPY per source directory (not `COPY . .`, which would bring the unpruned node_modules back).
COPY bin ./bin
COPY cli ./cli
COPY ca ./ca
COPY emulator ./emulator
COPY scenarios ./scenarios
COPY reports ./reports
# Warm tsx's transform cache (in /tmp) so a container starts without transpiling the sources again.
RUN ["node", "bin/certgate.mjs", "--help"]
EXPOSE 8443
ENTRYPOINT ["node", "bin/certgate.mjs", "emulate", "--host", "0.0.0.0"]
CMD []
