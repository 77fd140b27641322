import "@testing-library/jest-dom/vitest";
import { configure } from "@testing-library/react";

// Generous waits: CI machines are shared and slow; a real failure still fails, later.
configure({ asyncUtilTimeout: 5000 });
