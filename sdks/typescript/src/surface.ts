/**
 * The openai SDK's chat, embeddings, moderations and models resources, taking behest's
 * own parameters (`user_id`, `session_id`, `thread_id`) in the body: they are taken out
 * and sent as headers, and everything else is the official SDK's call, unchanged
 * (`.withResponse()`, streams, `.stream()`, `.runTools()`, `.parse()`).
 */
import type { APIPromise, OpenAI } from "openai";
import type { ChatCompletionRunner, ChatCompletionToolRunnerParamsWithoutContext } from "openai/lib/ChatCompletionRunner";
import type {
  ChatCompletionStreamingRunner,
  ChatCompletionStreamingToolRunnerParamsWithoutContext,
} from "openai/lib/ChatCompletionStreamingRunner";
import type { ChatCompletionStream, ChatCompletionStreamParams } from "openai/lib/ChatCompletionStream";
import type { RunnerOptions } from "openai/lib/AbstractChatCompletionRunner";
import type { ExtractParsedContentFromParams } from "openai/lib/parser";
import type { Stream } from "openai/streaming";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionParseParams,
  ParsedChatCompletion,
} from "openai/resources/chat/completions";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "openai/resources/embeddings";
import type { ModerationCreateParams, ModerationCreateResponse } from "openai/resources/moderations";

export type RequestOptions = NonNullable<Parameters<OpenAI["embeddings"]["create"]>[1]>;

/** Takes behest's parameters out of a body and says which headers they become. */
export type Splitter = (body: object) => { body: never; headers: Record<string, string> };

function withHeaders<O extends RequestOptions>(options: O | undefined, headers: Record<string, string>): O {
  return { ...options, headers: { ...headers, ...(options?.headers as Record<string, string>) } } as O;
}

export class ChatCompletions<P> {
  constructor(
    private readonly client: OpenAI,
    private readonly split: Splitter,
  ) {}

  create(body: ChatCompletionCreateParamsNonStreaming & P, options?: RequestOptions): APIPromise<ChatCompletion>;
  create(body: ChatCompletionCreateParamsStreaming & P, options?: RequestOptions): APIPromise<Stream<ChatCompletionChunk>>;
  create(
    body: ChatCompletionCreateParamsBase & P,
    options?: RequestOptions,
  ): APIPromise<Stream<ChatCompletionChunk> | ChatCompletion>;
  create(body: ChatCompletionCreateParamsBase & P, options?: RequestOptions): APIPromise<unknown> {
    const { body: rest, headers } = this.split(body);
    return this.client.chat.completions.create(rest, withHeaders(options, headers)) as APIPromise<unknown>;
  }

  stream<Params extends ChatCompletionStreamParams, ParsedT = ExtractParsedContentFromParams<Params>>(
    body: Params & P,
    options?: RequestOptions,
  ): ChatCompletionStream<ParsedT> {
    const { body: rest, headers } = this.split(body);
    return this.client.chat.completions.stream(rest, withHeaders(options, headers)) as ChatCompletionStream<ParsedT>;
  }

  parse<Params extends ChatCompletionParseParams, ParsedT = ExtractParsedContentFromParams<Params>>(
    body: Params & P,
    options?: RequestOptions,
  ): APIPromise<ParsedChatCompletion<ParsedT>> {
    const { body: rest, headers } = this.split(body);
    return this.client.chat.completions.parse(rest, withHeaders(options, headers)) as APIPromise<
      ParsedChatCompletion<ParsedT>
    >;
  }

  runTools<Params extends ChatCompletionToolRunnerParamsWithoutContext<any>, ParsedT = ExtractParsedContentFromParams<Params>>(
    body: Params & P,
    options?: RunnerOptions,
  ): ChatCompletionRunner<ParsedT>;
  runTools<
    Params extends ChatCompletionStreamingToolRunnerParamsWithoutContext<any>,
    ParsedT = ExtractParsedContentFromParams<Params>,
  >(body: Params & P, options?: RunnerOptions): ChatCompletionStreamingRunner<ParsedT>;
  runTools(body: object, options?: RunnerOptions): unknown {
    const { body: rest, headers } = this.split(body);
    return this.client.chat.completions.runTools(rest, withHeaders(options, headers));
  }
}

export class Embeddings<P> {
  constructor(
    private readonly client: OpenAI,
    private readonly split: Splitter,
  ) {}

  create(body: EmbeddingCreateParams & P, options?: RequestOptions): APIPromise<CreateEmbeddingResponse> {
    const { body: rest, headers } = this.split(body);
    return this.client.embeddings.create(rest, withHeaders(options, headers));
  }
}

export class Moderations<P> {
  constructor(
    private readonly client: OpenAI,
    private readonly split: Splitter,
  ) {}

  create(body: ModerationCreateParams & P, options?: RequestOptions): APIPromise<ModerationCreateResponse> {
    const { body: rest, headers } = this.split(body);
    return this.client.moderations.create(rest, withHeaders(options, headers));
  }
}

export class Models<P> {
  constructor(
    private readonly client: OpenAI,
    private readonly split: Splitter,
  ) {}

  /** The models the project can call. */
  list(params?: P, options?: RequestOptions): ReturnType<OpenAI["models"]["list"]> {
    const { headers } = this.split(params ?? {});
    return this.client.models.list(withHeaders(options, headers));
  }
}

/** `P`: behest's parameters on each call; `L`: on `models.list()`. */
export interface Surface<P, L = P> {
  chat: { completions: ChatCompletions<P> };
  embeddings: Embeddings<P>;
  moderations: Moderations<P>;
  models: Models<L>;
}

export function surface<P, L = P>(client: OpenAI, split: Splitter, listSplit: Splitter = split): Surface<P, L> {
  return {
    chat: { completions: new ChatCompletions<P>(client, split) },
    embeddings: new Embeddings<P>(client, split),
    moderations: new Moderations<P>(client, split),
    models: new Models<L>(client, listSplit),
  };
}
