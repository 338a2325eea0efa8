import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.services/', '.tally/', 'coverage/', 'bench/results/', 'src/dashboard/vendor/', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', fetch: 'readonly', document: 'readonly', window: 'readonly', Chart: 'readonly', localStorage: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Intl: 'readonly', AbortController: 'readonly' } },
  },
  {
    // The dashboard's browser modules (src/dashboard/*.js) use two more browser globals than the shared JS block lists.
    files: ['src/dashboard/**/*.js'],
    languageOptions: { globals: { URLSearchParams: 'readonly', getComputedStyle: 'readonly' } },
  },
);
