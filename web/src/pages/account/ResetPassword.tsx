export { ResetPasswordPage as default } from "./SetPasswordPage";
