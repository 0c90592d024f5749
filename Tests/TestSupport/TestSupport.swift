// Shared test support: a throwaway PostgreSQL cluster for the whole test run, and fixtures.
