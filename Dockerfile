# tally: one image for every process (api, processor, migrate, start).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY schemas ./schemas
COPY tsconfig.json ./
USER node
EXPOSE 8787 8788
ENTRYPOINT ["node", "bin/tally.js"]
CMD ["--help"]
