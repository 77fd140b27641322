export { AcceptInvitationPage as default } from "./SetPasswordPage";
