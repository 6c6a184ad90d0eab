import "reflect-metadata"; import { SHARED } from "@watchpost/shared"; console.log(SHARED);
