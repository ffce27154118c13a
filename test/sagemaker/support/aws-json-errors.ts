// The errors the SageMaker fakes answer (the registry's and the endpoints'), as SageMaker's JSON 1.1 protocol sends
// them: status 400 (or another), the code in `x-amzn-errortype` and `__type`, the text in `Message` (as moto does,
// reference/sagemaker.md §1).
import { HttpResponse } from "msw";

/** An error a fake throws from an action; its handler turns it into SageMaker's answer. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** SageMaker's `ValidationException`: bad input, and also a missing resource (reference §0.4). */
export const invalid = (message: string) => new AwsError("ValidationException", message);

/** An error the fake answers as SageMaker does (for a test's `beforeAction` to throw). */
export function awsError(code: string, message: string, status = 400): Error {
  return new AwsError(code, message, status);
}

/** The response for an error. */
export function reply(error: AwsError): Response {
  return HttpResponse.json({ __type: error.code, Message: error.message }, { status: error.status, headers: { "x-amzn-errortype": error.code } });
}
