/**
 * What stands in for an NHS number on a screen where policy hides them (main masks; the renderer
 * explains the placeholder next to a message that has one). Pure common code.
 */
export const NHS_NUMBER_MASK = '[NHS no. hidden]';
